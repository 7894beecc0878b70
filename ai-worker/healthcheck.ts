// Docker healthcheck of the ai-worker container: exits 0 when a worker process on this host has a live
// heartbeat key in Redis (written by ai-worker/heartbeat.ts, expiring after three missed beats), 1 otherwise
// with a one-line reason. Usage: `node --import tsx ai-worker/healthcheck.ts`.
import os from 'node:os';
import { loadConfigOrExit } from '../src/config.js';
import { closeRedis, createRedis } from '../src/platform/redis.js';
import { heartbeatPattern } from './heartbeat.js';

const TIMEOUT_MS = 5000;

function fail(reason: string): never {
  process.stderr.write(`ai-worker healthcheck: ${reason}\n`);
  process.exit(1);
}

const config = loadConfigOrExit();
const hostname = os.hostname();
// No keyPrefix on this client: SCAN's MATCH pattern is never prefixed by ioredis, so the pattern carries
// REDIS_PREFIX itself and the returned keys are the full ones.
const redis = createRedis({ redisUrl: config.redisUrl, redisPrefix: '' }, 'ai-worker-healthcheck');
redis.on('error', () => {
  // reported through the failed command below
});
const timer = setTimeout(() => fail(`no answer from Redis at ${new URL(config.redisUrl).host} within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
timer.unref();

async function findHeartbeat(): Promise<string | null> {
  const pattern = heartbeatPattern(config.redisPrefix, hostname);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length) return keys[0];
    cursor = next;
  } while (cursor !== '0');
  return null;
}

let key: string | null;
try {
  key = await findHeartbeat();
} catch (e) {
  fail(`Redis error: ${(e as Error).message}`);
} finally {
  await closeRedis(redis);
}
if (!key) fail(`no heartbeat key for host ${hostname} (${heartbeatPattern(config.redisPrefix, hostname)}): no live ai-worker process`);
process.stdout.write(`ai-worker healthcheck: ok (${key})\n`);
process.exit(0);
