// Closing an AI worker whose job never finishes leaves nothing running (test/ai-worker/close.test.ts has the rest):
// a process that closed such a worker with closeWorker() exits by itself, held open neither by the lock renewal
// nor by the stalled-job check.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { processTimeoutMs } from '../helpers/process.js';
import { runTs } from '../helpers/spawn.js';

describe('ai-worker closeWorker in its own process', () => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestContext();
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  it(
    'leaves nothing running: a process that closed such a worker exits by itself',
    async () => {
      // killed (SIGKILL) after processTimeoutMs when it has not exited: the lock renewal would never end, and the
      // fixture's stalled-check interval (10 min) is far longer than that bound
      const r = await runTs('test/process/fixtures/close-stuck.ts', [], {
        env: { REDIS_URL: t.ctx.config.redisUrl, REDIS_PREFIX: t.ctx.config.redisPrefix },
        timeoutMs: processTimeoutMs,
      });
      expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code: 0, signal: null, stdout: expect.stringContaining('closed') });
    },
    processTimeoutMs + 30_000,
  );
});
