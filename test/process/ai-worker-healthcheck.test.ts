// The ai-worker container's healthcheck (ai-worker/healthcheck.ts) as the process Docker runs: exit 1 with one
// line without a live heartbeat of this host, 0 with one, and never another deployment's heartbeat.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startWorkerHeartbeat, type WorkerHeartbeat } from '../../ai-worker/heartbeat.js';
import { projectRoot } from '../../src/platform/paths.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { exitOf, processTimeoutMs } from '../helpers/process.js';

async function healthcheck(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ai-worker/healthcheck.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    return { code: await exitOf(child), stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('ai-worker healthcheck', () => {
  let t: TestContext;
  const started: WorkerHeartbeat[] = [];

  beforeAll(async () => {
    t = await createTestContext();
  });

  afterAll(async () => {
    await Promise.all(started.map((h) => h.stop()));
    await t?.cleanup();
  });

  it(
    'exits 1 without a heartbeat of this host and 0 with one',
    async () => {
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
    },
    4 * processTimeoutMs,
  );
});
