// The AI worker's liveness signal: a Redis key per worker process that expires unless it is refreshed, read by
// ai-worker/healthcheck.ts (the Docker healthcheck).
import os from 'node:os';
import type { Context } from '../src/context.js';
import { redisKeys } from '../src/platform/keys.js';

/** The key without REDIS_PREFIX (ctx.redis adds it). */
export function heartbeatKey(hostname = os.hostname(), pid = process.pid): string {
  return redisKeys.workerHeartbeat(hostname, pid);
}

/** MATCH pattern for the heartbeat keys of every worker process of one host, REDIS_PREFIX included. */
export function heartbeatPattern(redisPrefix: string, hostname = os.hostname()): string {
  const escape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');
  return `${escape(redisPrefix)}${escape(redisKeys.workerHeartbeatHost(hostname))}*`;
}

export interface WorkerHeartbeat {
  /** The key as written through ctx.redis (without REDIS_PREFIX). */
  key: string;
  /** Settles once the first beat has been written (or its failure logged). */
  ready: Promise<void>;
  /** Stops refreshing and deletes the key. */
  stop(): Promise<void>;
}

/**
 * Writes the heartbeat key immediately and every `intervalMs`, with a TTL of three intervals, so the key
 * disappears by itself when the process hangs or dies. A failed beat is logged and retried at the next interval.
 */
export function startWorkerHeartbeat(ctx: Pick<Context, 'redis' | 'logger'>, intervalMs = 5000): WorkerHeartbeat {
  const key = heartbeatKey();
  const beat = (): Promise<void> =>
    ctx.redis.set(key, new Date().toISOString(), 'PX', intervalMs * 3).then(
      () => undefined,
      (e: unknown) => ctx.logger.warn({ err: (e as Error).message, key }, 'worker heartbeat failed'),
    );
  let pending = beat();
  const ready = pending;
  const timer = setInterval(() => {
    pending = beat();
  }, intervalMs);
  let stopping: Promise<void> | undefined;
  return {
    key,
    ready,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        await pending; // a beat in flight must not recreate the key after the delete
        await ctx.redis.del(key);
      })()),
  };
}
