// Nothing is lost when things break: a worker process SIGKILLed in the middle of a training job (the job is
// taken back by BullMQ's stalled-job check and finishes after a restart), and the worker's and queues' Redis
// connections killed (CLIENT KILL) while predictions flow (every prediction still finishes, and the queue drains).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startAiWorkers, type AiWorkers } from '../../ai-worker/processors.js';
import { queueNames } from '../../src/platform/queue.js';
import { redisUrl } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { FORMULA, aiName, bigDataset, killWorkerProcesses, startAiSuite, startWorkerProcess, trained, waitFor, type AiSuite } from './helpers.js';

let s: AiSuite;

beforeAll(async () => {
  // a short lock, so a dead worker's job is taken back within seconds; a dataset large enough to take a while
  s = await startAiSuite({ AI_LOCK_DURATION_MS: '4000', AI_STALLED_INTERVAL_MS: '1000', AI_DATASET_MAX_ROWS: '200000', AI_DATASET_MAX_BYTES: '50000000' }, { worker: false });
}, 60_000);
afterAll(async () => {
  killWorkerProcesses();
  await s?.cleanup();
});

describe(`resilience (${testProvider})`, () => {
  it('a worker SIGKILLed mid-training: after a restart the job is taken back and the model is trained', async () => {
    const admin = { id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 };
    const first = startWorkerProcess(s);
    await waitFor('the worker to start', () => Promise.resolve(first.output().includes('ai-worker started')), 30_000, 100);
    const ai = await s.t.ctx.services.ais.create(admin, { name: aiName('kill'), datasetCsv: bigDataset(150_000) });
    // kill it while the job is running (the worker marks the row before parsing 150k rows)
    await waitFor('training to start', async () => (await s.t.ctx.prisma.ai.findUnique({ where: { id: ai.id } }))?.status === 'running', 30_000, 10);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    const mid = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });
    expect(mid).toMatchObject({ status: 'running', version: 0, finishDate: null }); // the kill really was mid-job
    expect(await s.t.ctx.queues.get(queueNames.aiTrain).getJobState(ai.jobId!)).toBe('active');

    const second = startWorkerProcess(s);
    try {
      const row = await trained(s, ai.id, 90_000);
      expect(row).toMatchObject({ status: 'succeeded', version: 1, isAvailable: true, jobId: ai.jobId });
      const metrics = row.metrics as { coefficients: number[]; r2: number; rows: number };
      expect(metrics.rows).toBe(150_000);
      expect(metrics.r2).toBeGreaterThan(0.99);
      metrics.coefficients.forEach((c, i) => expect(Math.abs(c - FORMULA[i])).toBeLessThan(0.01));
      await waitFor('the job to be removed', async () => (await s.t.ctx.queues.get(queueNames.aiTrain).getJobState(ai.jobId!)) === 'unknown', 10_000);
      expect(await s.t.ctx.prisma.auditEvent.count({ where: { action: 'ai.trained', targetId: String(ai.id) } })).toBe(1);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0); // and a clean stop on SIGTERM
    }
  }, 150_000);

  it('Redis connections killed while predictions flow: every prediction still finishes', async () => {
    const admin = { id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 };
    const member = { id: s.member.id, role: 'user' as const, jti: 'j', sid: 's', exp: 0 };
    let workers: AiWorkers | null = await startAiWorkers(s.t.ctx, { archive: null, predictConcurrency: 10 });
    const killer = new Redis(redisUrl);
    try {
      const ai = await s.t.ctx.services.ais.create(admin, { name: aiName('blip') });
      expect((await trained(s, ai.id)).status).toBe('succeeded');
      const bull = `${s.t.ctx.config.redisPrefix}bull`;
      const killBull = async () => {
        const list = (await killer.client('LIST')) as string;
        const ids = list
          .split('\n')
          .map((l) => ({ id: /\bid=(\d+)/.exec(l)?.[1], name: /\bname=(\S*)/.exec(l)?.[1] ?? '' }))
          .filter((c) => c.id && c.name.startsWith(bull));
        for (const c of ids) await killer.client('KILL', 'ID', c.id!).catch(() => 0);
        return ids.length;
      };
      const logs: number[] = [];
      let killed = 0;
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 50; i++) {
          const log = await s.t.ctx.services.ais.predict(member, ai.id, { input: FORMULA.map((_, j) => round + i + j) }).catch(() => null);
          if (log) logs.push(log.id);
        }
        killed += await killBull();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(killed).toBeGreaterThan(0);
      expect(logs.length).toBeGreaterThan(150);
      await waitFor(
        'every prediction to finish',
        async () => (await s.t.ctx.prisma.aiLog.count({ where: { id: { in: logs }, isFinished: true } })) === logs.length,
        60_000,
        200,
      );
      const rows = await s.t.ctx.prisma.aiLog.findMany({ where: { id: { in: logs } } });
      expect(rows.filter((r) => r.status !== 'succeeded').map((r) => ({ id: r.id, status: r.status, error: r.error }))).toEqual([]);
      // the queue drains: nothing left waiting, running or failed
      await waitFor('the queue to drain', async () => {
        const c = await s.t.ctx.queues.get(queueNames.aiPredict).getJobCounts('wait', 'active', 'delayed', 'failed');
        return c.wait + c.active + c.delayed + c.failed === 0;
      }, 30_000, 200);
      await workers.close();
      workers = null;
    } finally {
      killer.disconnect();
      await workers?.close();
    }
  }, 120_000);
});
