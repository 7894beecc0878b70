import { spawn } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { heartbeatKey, heartbeatPattern, startWorkerHeartbeat, type WorkerHeartbeat } from '../../ai-worker/heartbeat.js';
import { projectRoot } from '../../src/platform/paths.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

function healthcheck(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ai-worker/healthcheck.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

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
    await new Promise((r) => setTimeout(r, 450));
    const ttl = await redis.pttl(hb.key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await redis.get(hb.key)).not.toBe(first);
    await hb.stop();
    await new Promise((r) => setTimeout(r, 450));
    expect(await redis.exists(hb.key)).toBe(0); // no beat after stop()
  });

  it('healthcheck exits 1 without a heartbeat of this host and 0 with one', async () => {
    const before = await healthcheck(t.env);
    expect(before.code).toBe(1);
    expect(before.stderr.trim().split('\n')).toHaveLength(1);
    expect(before.stderr).toContain(`no heartbeat key for host ${os.hostname()}`);

    const hb = startWorkerHeartbeat(t.ctx, 5000);
    started.push(hb);
    await hb.ready;
    const during = await healthcheck(t.env);
    expect(during.stderr).toBe('');
    expect(during.code).toBe(0);

    // another deployment's prefix does not see it
    const other = await healthcheck({ ...t.env, REDIS_PREFIX: `${t.env.REDIS_PREFIX}other:` });
    expect(other.code).toBe(1);

    await hb.stop();
    expect((await healthcheck(t.env)).code).toBe(1);
  });
});
