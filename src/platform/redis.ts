import crypto from 'node:crypto';
import { Redis, type ChainableCommander } from 'ioredis';
import type { Config } from '../config.js';
import { toAppError } from './known-errors.js';
import type { Logger } from './logger.js';

export type { Redis };

/**
 * The shared command connection. Every key it writes gets REDIS_PREFIX (ioredis keyPrefix), so several
 * deployments or test suites can share one Redis. Commands fail fast while Redis is down instead of queueing
 * without end; the client keeps reconnecting in the background.
 */
export function createRedis(config: Pick<Config, 'redisUrl' | 'redisPrefix'>, name = 'agora'): Redis {
  return new Redis(config.redisUrl, {
    keyPrefix: config.redisPrefix,
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/**
 * Runs a pipeline or MULTI and returns its replies. ioredis resolves a pipeline even when its commands failed (each
 * reply then carries its error): here the first error is thrown instead, a lost connection as the 503
 * `dependency_unavailable` the caller's client should see, so a failed command is never read as an empty reply.
 */
export async function execBatch(batch: ChainableCommander): Promise<unknown[]> {
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await batch.exec();
  } catch (e) {
    throw toAppError(e) ?? e;
  }
  if (!replies) throw toAppError(new Error('Connection is closed.'))!;
  for (const [err] of replies) if (err) throw toAppError(err) ?? err;
  return replies.map(([, value]) => value);
}

/**
 * A Lua script sent by its SHA1 (EVALSHA), its text only when Redis does not know it yet (NOSCRIPT: first use,
 * or after a restart or SCRIPT FLUSH): a hot script does not send its source with every call. Keys get the
 * client's prefix like EVAL's.
 */
export function luaScript(source: string): (redis: Redis, numKeys: number, ...args: (string | number)[]) => Promise<unknown> {
  const sha = crypto.createHash('sha1').update(source).digest('hex');
  return async (redis, numKeys, ...args) => {
    try {
      return await redis.evalsha(sha, numKeys, ...args);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return redis.eval(source, numKeys, ...args);
      throw e;
    }
  };
}

/** Close a client: QUIT when connected, disconnect otherwise (QUIT would wait for a server that is not there). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}

export interface RedisPersistence {
  /** The append-only file (AOF) is on. */
  appendonly: boolean;
  /** RDB snapshots have at least one save point. */
  save: boolean;
}

/** The server's persistence settings; null when it does not allow CONFIG GET (as many managed services). */
export async function readRedisPersistence(redis: Redis): Promise<RedisPersistence | null> {
  try {
    const [aof, save] = (await Promise.all([redis.config('GET', 'appendonly'), redis.config('GET', 'save')])) as [string[], string[]];
    return { appendonly: aof[1] === 'yes', save: (save[1] ?? '').trim() !== '' };
  } catch {
    return null;
  }
}

/**
 * Once connected, reads whether Redis keeps its data across a restart. Without AOF or RDB snapshots a restart
 * revives logged-out tokens, drops queued AI jobs (the AI job recovery then queues predictions again and fails
 * trainings) and loses buffered views: production logs one warning. A server that refuses CONFIG is not an error.
 */
export function checkRedisPersistence(redis: Redis, logger: Logger, nodeEnv: Config['nodeEnv']): void {
  redis.once('ready', () => {
    void readRedisPersistence(redis).then((p) => {
      if (!p) logger.debug('Redis persistence unknown: CONFIG GET is not permitted on this server');
      else if (p.appendonly || p.save || nodeEnv !== 'production') logger.debug({ ...p }, 'Redis persistence read');
      else {
        logger.warn({ appendonly: 'no', save: '' }, 'Redis does not persist its data: a restart revives logged-out tokens, loses queued AI jobs and buffered views; turn AOF on (appendonly yes)');
      }
    });
  });
}

/** Deletes every key under a prefix (SCAN, never KEYS): a test suite's or a benchmark's own keys, and only them. */
export async function deleteRedisPrefix(config: Pick<Config, 'redisUrl'>, prefix: string): Promise<void> {
  const redis = createRedis({ redisUrl: config.redisUrl, redisPrefix: '' }, 'agora-cleanup');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await closeRedis(redis);
  }
}
