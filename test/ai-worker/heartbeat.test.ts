import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { heartbeatKey, heartbeatPattern, startWorkerHeartbeat, type WorkerHeartbeat } from '../../ai-worker/heartbeat.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { waitFor } from '../helpers/wait.js';

describe('ai-worker heartbeat', () => {
  let t: TestContext;
  const started: WorkerHeartbeat[] = [];

  beforeAll(async () => {
    t = await createTestContext();
  });

  afterAll(async () => {
    await Promise.all(started.map((h) => h.stop()));
    await t?.cleanup();
  });

  it('names the key after host and pid, and the scan pattern carries REDIS_PREFIX', () => {
    expect(heartbeatKey()).toBe(`worker:heartbeat:${os.hostname()}:${process.pid}`);
    expect(heartbeatPattern('agora:', 'web-1')).toBe('agora:worker:heartbeat:web-1:*');
    expect(heartbeatPattern('a*b:', 'h?')).toBe('a\\*b:worker:heartbeat:h\\?:*');
  });

  it('writes the key with a TTL of three intervals at once, and stop() deletes it', async () => {
    const { redis, config } = t.ctx;
    const hb = startWorkerHeartbeat(t.ctx, 1000);
    started.push(hb);
    await hb.ready;
    expect(hb.key).toBe(heartbeatKey());
    expect(await redis.exists(hb.key)).toBe(1);
    const ttl = await redis.pttl(hb.key);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3000);
    // written under the deployment's prefix
    const raw = redis.duplicate({ keyPrefix: '' });
    try {
      expect(await raw.exists(`${config.redisPrefix}${hb.key}`)).toBe(1);
    } finally {
      raw.disconnect();
    }
    await hb.stop();
    expect(await redis.exists(hb.key)).toBe(0);
  });

  it('refreshes the key every interval', async () => {
    const { redis } = t.ctx;
    const hb = startWorkerHeartbeat(t.ctx, 200);
    started.push(hb);
    await hb.ready;
    const first = await redis.get(hb.key);
    await redis.pexpire(hb.key, 100_000); // only a new beat sets the TTL back to 600 ms
    await waitFor('a new beat', async () => {
      const ttl = await redis.pttl(hb.key);
      return ttl > 0 && ttl <= 600;
    });
    expect(await redis.get(hb.key)).not.toBe(first);
    await hb.stop();
    expect(await redis.exists(hb.key)).toBe(0);
    // no beat after stop(): three intervals without one (a wait for something not to happen; a slow machine can
    // only make it see less, never fail it wrongly)
    await new Promise((r) => setTimeout(r, 600));
    expect(await redis.exists(hb.key)).toBe(0);
  });
});
