// Nothing is lost when the worker process dies: an ai-worker process SIGKILLed in the middle of a training job
// (the job is taken back by BullMQ's stalled-job check and finishes after a restart), and a clean stop on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queueNames } from '../../src/platform/queue.js';
import { FORMULA, aiName, bigDataset, killWorkerProcesses, startAiSuite, startWorkerProcess, trained, waitFor, type AiSuite } from '../ai/helpers.js';
import { testProvider } from '../helpers/db.js';
import { processTimeoutMs } from '../helpers/process.js';

let s: AiSuite;

beforeAll(async () => {
  // a short lock, so a dead worker's job is taken back within seconds (but longer than the worker's event loop may
  // stay busy parsing and fitting on a loaded machine); a dataset large enough to take a while
  s = await startAiSuite({ AI_LOCK_DURATION_MS: '10000', AI_STALLED_INTERVAL_MS: '1000', AI_DATASET_MAX_ROWS: '200000', AI_DATASET_MAX_BYTES: '50000000' }, { worker: false });
}, 60_000);
afterAll(async () => {
  await killWorkerProcesses();
  await s?.cleanup();
});

describe(`ai-worker process killed (${testProvider})`, () => {
  it(
    'a worker SIGKILLed mid-training: after a restart the job is taken back and the model is trained',
    async () => {
      const admin = { id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 };
      const first = startWorkerProcess(s);
      await waitFor('the worker to start', () => first.output().includes('ai-worker started'), processTimeoutMs, 100);
      const ai = await s.t.ctx.services.ais.create(admin, { name: aiName('kill'), datasetCsv: bigDataset(150_000) });
      // kill it while the job is running (the worker marks the row before parsing 150k rows)
      await waitFor('training to start', async () => (await s.t.ctx.prisma.ai.findUnique({ where: { id: ai.id } }))?.status === 'running', processTimeoutMs, 10);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe(null);
      const mid = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });
      expect(mid).toMatchObject({ status: 'running', version: 0, finishDate: null }); // the kill really was mid-job
      // BullMQ holds it as running ('active'), or, when the worker's event loop was busy past the lock before the
      // kill, its own stalled-job check has already put it back ('waiting'): unfinished either way
      expect(['active', 'waiting']).toContain(await s.t.ctx.queues.get(queueNames.aiTrain).getJobState(ai.jobId!));

      const second = startWorkerProcess(s);
      try {
        // the second process starts, takes the job back once its lock expired, and trains
        const row = await trained(s, ai.id, 2 * processTimeoutMs);
        expect(row).toMatchObject({ status: 'succeeded', version: 1, isAvailable: true, jobId: ai.jobId });
        const metrics = row.metrics as { coefficients: number[]; r2: number; rows: number };
        expect(metrics.rows).toBe(150_000);
        expect(metrics.r2).toBeGreaterThan(0.99);
        metrics.coefficients.forEach((c, i) => expect(Math.abs(c - FORMULA[i])).toBeLessThan(0.01));
        await waitFor('the job to be removed', async () => (await s.t.ctx.queues.get(queueNames.aiTrain).getJobState(ai.jobId!)) === 'unknown', processTimeoutMs);
        expect(await s.t.ctx.prisma.auditEvent.count({ where: { action: 'ai.trained', targetId: String(ai.id) } })).toBe(1);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0); // and a clean stop on SIGTERM
      }
    },
    6 * processTimeoutMs,
  );
});
