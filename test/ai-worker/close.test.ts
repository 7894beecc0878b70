// Closing an AI worker whose job never finishes (as after its Redis connections were cut, when BullMQ's close()
// may never settle) gives up after the grace period and leaves nothing of the worker running: no lock renewal
// keeps firing against the closed connections for the rest of the process's life, and no stalled-job check holds
// the process open.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import { closeWorker } from '../../ai-worker/processors.js';
import { bullConnection, bullPrefix } from '../../src/platform/queue.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { runTs } from '../helpers/spawn.js';

describe('ai-worker closeWorker', () => {
  let t: TestContext;
  let queue: Queue;

  beforeAll(async () => {
    t = await createTestContext();
    queue = new Queue('close-test', { connection: bullConnection(t.ctx.config), prefix: bullPrefix(t.ctx.config) });
  });

  afterAll(async () => {
    await queue?.close();
    await t?.cleanup();
  });

  it('gives up on a job that never ends, and its lock renewal stops with it', async () => {
    // a lock of 400 ms is renewed every 100 ms: plenty of chances to fire in the second watched below
    const worker = new Worker('close-test', () => new Promise<void>(() => {}), {
      connection: bullConnection(t.ctx.config),
      prefix: bullPrefix(t.ctx.config),
      lockDuration: 400,
    });
    const renewals: string[] = [];
    worker.on('error', (e) => renewals.push(`error: ${e.message}`));
    worker.on('locksRenewed', ({ count }) => renewals.push(`renewed ${count}`));
    const active = new Promise<void>((resolve) => worker.once('active', () => resolve()));
    await queue.add('stuck', {});
    await active;
    // while the job runs, its lock is renewed
    await new Promise((r) => setTimeout(r, 500));
    expect(renewals.filter((r) => r.startsWith('renewed')).length).toBeGreaterThan(0);

    const started = Date.now();
    await closeWorker(worker, 200, t.ctx.logger);
    expect(Date.now() - started).toBeLessThan(5000);

    renewals.length = 0;
    await new Promise((r) => setTimeout(r, 1000));
    expect(renewals).toEqual([]);
  }, 20_000);

  it('leaves nothing running: a process that closed such a worker exits by itself', async () => {
    // killed (SIGKILL) after 20 s: well under the fixture's stalled-check interval (60 s), and the lock renewal
    // would never end
    const r = await runTs('test/ai-worker/fixtures/close-stuck.ts', [], {
      env: { REDIS_URL: t.ctx.config.redisUrl, REDIS_PREFIX: t.ctx.config.redisPrefix },
      timeoutMs: 20_000,
    });
    expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code: 0, signal: null, stdout: expect.stringContaining('closed') });
  }, 40_000);
});
