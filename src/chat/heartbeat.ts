// This replica's socket count in Redis, for ChatService.activeConnections() (admin panel): written when it
// changed, at most every second, and at least every HEARTBEAT_MS so that its TTL never lapses.
import type { Logger } from '../platform/logger.js';
import type { ChatService } from './service.js';

const HEARTBEAT_MS = 5_000;

/** Reports the count once (awaited), then keeps reporting until stop(). */
export async function startConnectionReports(chat: ChatService, replicaId: string, count: () => number, log: Logger): Promise<{ stop(): void }> {
  let reported = { count: -1, at: 0 };
  const report = async () => {
    const n = count();
    if (n === reported.count && Date.now() - reported.at < HEARTBEAT_MS) return;
    reported = { count: n, at: Date.now() };
    await chat.reportConnections(replicaId, n).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'chat: could not report the connection count'));
  };
  await report();
  const timer = setInterval(() => void report(), 1_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
