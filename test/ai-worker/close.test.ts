// Closing an AI worker whose job never finishes (as after its Redis connections were cut, when BullMQ's close()
// may never settle) gives up after the grace period and leaves nothing of the worker running: no lock renewal
// keeps firing against the closed connections for the rest of the process's life. That no stalled-job check holds
// the process open either is test/process/ai-worker-close.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import { closeWorker } from '../../ai-worker/processors.js';
import { bullConnection, bullPrefix } from '../../src/platform/queue.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { waitFor } from '../helpers/wait.js';

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
    await waitFor('a lock renewal', () => renewals.some((r) => r.startsWith('renewed')));

    // it gives up: a close that waited for the job would never return
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([closeWorker(worker, 200, t.ctx.logger).then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 60_000)))]);
    clearTimeout(timer);
    expect(gaveUp).toBe(true);

    // and nothing renews the lock afterwards: a second of five renewal periods without one (a wait for something
    // not to happen, which a slow machine can only make see less, never fail wrongly)
    renewals.length = 0;
    await new Promise((r) => setTimeout(r, 1000));
    expect(renewals).toEqual([]);
  }, 90_000);
});
