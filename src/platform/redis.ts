import { Redis } from 'ioredis';
import type { Config } from '../config.js';

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

/** Close a client: QUIT when connected, disconnect otherwise (QUIT would wait for a server that is not there). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
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
