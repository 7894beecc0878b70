// The AI job recovery's sweep: rows left unfinished while their BullMQ job is gone (Redis restarted without
// persistence: the queue's keys deleted here) or failed unheard (no process listening when BullMQ failed it).
// A lost prediction is queued again under its job id and runs; one whose model can no longer predict, a lost
// training and an unheard failure end `failed` with an error, a finish date and one audit record, however many
// processes sweep at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnrecoverableError, Worker } from 'bullmq';
import { startAiWorkers } from '../../ai-worker/processors.js';
import { bullConnection, bullPrefix, queueNames } from '../../src/platform/queue.js';
import { deleteRedisPrefix } from '../../src/platform/redis.js';
import { call } from '../boards/setup.js';
import { testProvider } from '../helpers/db.js';
import { FORMULA, createTrainedModel, finished, formula, startAiSuite, trained, waitFor, type AiBody, type AiSuite } from './helpers.js';

let s: AiSuite;
let model: AiBody;

beforeAll(async () => {
  s = await startAiSuite({}, { worker: false });
  const workers = await startAiWorkers(s.t.ctx, { archive: null, recovery: false });
  try {
    s.workers = workers;
    model = await createTrainedModel(s);
  } finally {
    s.workers = null;
    await workers.close();
  }
}, 90_000);
afterAll(async () => {
  await s?.cleanup();
});

/** What Redis losing its data does to a queue: every key of it gone. */
const wipeQueue = (name: string) => deleteRedisPrefix(s.t.ctx.config, `${bullPrefix(s.t.ctx.config)}:${name}:`);
const recovery = () => s.t.ctx.services.ais.recovery();
const state = (queue: string, jobId: string) => s.t.ctx.queues.get(queue as typeof queueNames.aiPredict).getJobState(jobId);
const audits = (action: string, targetId: number) => s.t.ctx.prisma.auditEvent.findMany({ where: { action, targetId: String(targetId) } });

async function askPrediction(input = FORMULA.map((_, i) => i + 1)) {
  const res = await call(s.app, s.member, 'post', `/ais/${model.id}/ailogs`, { input });
  expect(res.status).toBe(202);
  expect(await state(queueNames.aiPredict, res.body.jobId)).toBe('waiting');
  return res.body as { id: number; jobId: string };
}

describe(`AI job sweep (${testProvider})`, () => {
  it('a prediction whose queue entry was lost is queued again under its job id, once, and runs', async () => {
    const input = FORMULA.map((_, i) => i + 2);
    const log = await askPrediction(input);
    await wipeQueue(queueNames.aiPredict);
    expect(await state(queueNames.aiPredict, log.jobId)).toBe('unknown');

    // within the grace period the row is left alone: a request may still be queueing it
    expect(await recovery().sweep()).toEqual({ failed: 0, requeued: 0 });
    expect(await state(queueNames.aiPredict, log.jobId)).toBe('unknown');

    // two processes sweeping at once: the job is added once (same id)
    const [a, b] = await Promise.all([recovery().sweep({ graceMs: 0 }), recovery().sweep({ graceMs: 0 })]);
    expect(a.failed + b.failed).toBe(0);
    expect(a.requeued + b.requeued).toBeGreaterThanOrEqual(1);
    expect(await state(queueNames.aiPredict, log.jobId)).toBe('waiting');
    expect(await s.t.ctx.queues.get(queueNames.aiPredict).getJobCounts('wait')).toEqual({ wait: 1 });
    expect(await recovery().sweep({ graceMs: 0 })).toEqual({ failed: 0, requeued: 0 }); // alive now: nothing to do
    expect(await s.t.ctx.prisma.aiLog.findUniqueOrThrow({ where: { id: log.id } })).toMatchObject({ status: 'queued', isFinished: false, jobId: log.jobId });

    const workers = await startAiWorkers(s.t.ctx, { archive: null, recovery: false });
    try {
      const row = await finished(s, log.id, 60_000);
      expect(row).toMatchObject({ status: 'succeeded', jobId: log.jobId, error: null });
      expect(Math.abs((row.result as number) - formula(input))).toBeLessThan(0.1);
    } finally {
      await workers.close();
    }
  }, 90_000);

  it('a lost prediction whose model can no longer predict is failed, with an error and one audit record', async () => {
    const log = await askPrediction();
    await wipeQueue(queueNames.aiPredict);
    expect((await call(s.app, s.admin, 'patch', `/ais/${model.id}`, { isAvailable: false })).status).toBe(200);
    try {
      const results = await Promise.all([recovery().sweep({ graceMs: 0 }), recovery().sweep({ graceMs: 0 })]);
      expect(results.reduce((n, r) => n + r.failed, 0)).toBe(1);
      const row = await s.t.ctx.prisma.aiLog.findUniqueOrThrow({ where: { id: log.id } });
      expect(row).toMatchObject({ status: 'failed', isFinished: true, jobId: log.jobId });
      expect(row.error).toMatch(/queue entry was lost.*can no longer predict/);
      expect(row.finishDate).toBeInstanceOf(Date);
      const recorded = await audits('ai.prediction_failed', log.id);
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({ targetType: 'ailog', details: expect.objectContaining({ reason: 'lost', jobId: log.jobId, aiId: model.id }) });
      // the member sees it failed over the API
      expect((await call(s.app, s.member, 'get', `/ailogs/${log.id}`)).body).toMatchObject({ status: 'failed', isFinished: true });
    } finally {
      expect((await call(s.app, s.admin, 'patch', `/ais/${model.id}`, { isAvailable: true })).status).toBe(200);
    }
  }, 60_000);

  it('a prediction BullMQ failed while nobody listened is failed with its reason', async () => {
    const log = await askPrediction();
    // a consumer that is not ours fails the job: the row is never written by a processor, and no recovery listens
    const rogue = new Worker(queueNames.aiPredict, () => Promise.reject(new UnrecoverableError('the artifact store was unreachable')), {
      connection: bullConnection(s.t.ctx.config),
      prefix: bullPrefix(s.t.ctx.config),
    });
    try {
      await waitFor('the job to fail', async () => (await state(queueNames.aiPredict, log.jobId)) === 'failed', 30_000);
    } finally {
      await rogue.close();
    }
    expect(await s.t.ctx.prisma.aiLog.findUniqueOrThrow({ where: { id: log.id } })).toMatchObject({ isFinished: false });
    // a failure is final: no grace period applies
    const results = await Promise.all([recovery().sweep(), recovery().sweep()]);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(1);
    expect(await s.t.ctx.prisma.aiLog.findUniqueOrThrow({ where: { id: log.id } })).toMatchObject({ status: 'failed', isFinished: true, error: 'the artifact store was unreachable' });
    expect(await audits('ai.prediction_failed', log.id)).toHaveLength(1);
  }, 60_000);

  it('a training whose queue entry was lost is failed, recorded once, and can be trained again at once', async () => {
    const res = await call(s.app, s.admin, 'post', `/ais/${model.id}/train`);
    expect(res.status).toBe(202);
    expect(await call(s.app, s.admin, 'post', `/ais/${model.id}/train`)).toMatchObject({ status: 409 });
    await wipeQueue(queueNames.aiTrain);
    const results = await Promise.all([recovery().sweep({ graceMs: 0 }), recovery().sweep({ graceMs: 0 })]);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(1);
    const row = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: model.id } });
    expect(row).toMatchObject({ status: 'failed', version: 1, isAvailable: true, jobId: res.body.jobId });
    expect(row.error).toMatch(/queue entry was lost/);
    expect(row.finishDate).toBeInstanceOf(Date);
    const recorded = (await audits('ai.train_failed', model.id)).filter((a) => (a.details as { jobId?: string }).jobId === res.body.jobId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0].details).toMatchObject({ reason: 'lost' });

    const again = await call(s.app, s.admin, 'post', `/ais/${model.id}/train`);
    expect(again.status).toBe(202);
    const workers = await startAiWorkers(s.t.ctx, { archive: null, recovery: false });
    try {
      expect(await trained(s, model.id, 60_000)).toMatchObject({ status: 'succeeded', version: 2, jobId: again.body.jobId });
    } finally {
      await workers.close();
    }
  }, 90_000);
});
