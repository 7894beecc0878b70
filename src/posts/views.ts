// View counting. A view counts at most once per viewer and post within a window (a Redis key with NX+EX),
// and counted views wait in a Redis hash; a timer (and shutdown) writes them to the database in one batch,
// so a hot post costs one UPDATE per flush, not one per view. Readers see the stored count plus the
// buffered one.
import crypto from 'node:crypto';
import type { Config } from '../config.js';
import { redisKeys } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import { luaScript, type Redis } from '../platform/redis.js';

// KEYS: seen key, pending hash. ARGV: window seconds, post id. Returns the post's buffered count.
const record = luaScript(`if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')`);

/** A flushing batch older than this was left by a process that died mid-flush. */
const LEFTOVER_AFTER_MS = 60_000;

export class ViewCounter {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly prisma: Db,
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly config: Pick<Config, 'views' | 'redisPrefix'>,
  ) {}

  /** Counts the view if this viewer has not been counted within the window; returns the post's buffered views. */
  async record(postId: number, viewer: string): Promise<number> {
    const id = crypto.createHash('sha256').update(viewer).digest('base64url').slice(0, 22);
    const pending = await record(this.redis, 2, redisKeys.postViewSeen(postId, id), redisKeys.postViewsPending(), this.config.views.dedupWindowSeconds, postId);
    return Number(pending);
  }

  /** Buffered views of these posts (one round trip). */
  async pending(postIds: number[]): Promise<Map<number, number>> {
    if (!postIds.length) return new Map();
    const counts = await this.redis.hmget(redisKeys.postViewsPending(), ...postIds.map(String));
    return new Map(postIds.map((id, i) => [id, Number(counts[i] ?? 0)]));
  }

  /**
   * Writes the buffered views to the database. The pending hash is renamed first (atomic), so views counted
   * meanwhile wait for the next flush and concurrent flushes of several replicas never take the same batch.
   * A batch left behind by a process that died mid-flush is written by the next flush.
   */
  flush(): Promise<number> {
    this.flushing = this.flushing
      .then(() => this.flushOnce())
      .catch((err: unknown) => {
        this.logger.error({ err }, 'view flush failed; the views stay buffered in Redis');
        return 0;
      });
    return this.flushing;
  }

  private async flushOnce(): Promise<number> {
    const batch = redisKeys.postViewsFlushing(`${Date.now()}:${crypto.randomUUID()}`);
    const taken = await this.redis.renamenx(redisKeys.postViewsPending(), batch).catch((e: Error) => {
      if (/no such key/i.test(e.message)) return 0;
      throw e;
    });
    const batches = taken ? [batch] : [];
    // leftovers of a flush that died between RENAME and DEL (keys are listed with their full prefix)
    for (const key of await this.leftoverBatches()) if (key !== batch) batches.push(key);
    let written = 0;
    for (const key of batches) {
      const counts = await this.redis.hgetall(key);
      const entries = Object.entries(counts)
        .map(([id, n]) => [Number(id), Number(n)] as const)
        .filter(([, n]) => n > 0);
      if (entries.length) {
        await this.prisma.$transaction(async (tx) => {
          for (const [postId, n] of entries) await tx.$executeRaw`UPDATE posts SET numberOfView = numberOfView + ${n} WHERE id = ${postId}`;
        });
      }
      await this.redis.del(key);
      written += entries.reduce((sum, [, n]) => sum + n, 0);
    }
    return written;
  }

  private async leftoverBatches(): Promise<string[]> {
    const prefix = this.config.redisPrefix;
    const found: string[] = [];
    let cursor = '0';
    do {
      // SCAN patterns are not prefixed by ioredis: add the prefix, then strip it for the prefixed client
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}${redisKeys.postViewsFlushingPrefix()}*`, 'COUNT', 100);
      cursor = next;
      for (const key of keys.map((k) => k.slice(prefix.length))) {
        // another replica's batch is being written right now unless it is older than any flush takes
        const startedAt = Number(key.slice(redisKeys.postViewsFlushingPrefix().length).split(':')[0]);
        if (Date.now() - startedAt > LEFTOVER_AFTER_MS) found.push(key);
      }
    } while (cursor !== '0');
    return found;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.config.views.flushIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is buffered. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
