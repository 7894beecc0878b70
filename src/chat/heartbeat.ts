// This replica's socket count in Redis, for ChatService.activeConnections() (admin panel): written when it
// changed, at most every second, and at least every HEARTBEAT_MS so that its TTL never lapses. Every HEARTBEAT_MS
// it also takes back the presence counts of replicas whose own count lapsed (they died; presence.ts).
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
  let swept = 0;
  const sweep = async () => {
    if (Date.now() - swept < HEARTBEAT_MS) return;
    swept = Date.now();
    await chat.presence.sweep().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'chat: could not sweep the presence of dead replicas'));
  };
  await report();
  const timer = setInterval(() => void report().then(sweep), 1_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
