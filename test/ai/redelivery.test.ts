// BullMQ delivers a job at least once: when a worker's lock expires (its event loop held past the lock duration
// by a long parse, say) the stalled-job check hands the job out again, while the first run may still be going or
// after it has finished. The training processor must then leave one result: one version, one artifact, one audit
// record. Here the real processor runs twice on one real job (queued by the api's service on real Redis, no worker
// running), at once and one after the other, against the suite's real database and storage.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job, UnrecoverableError } from 'bullmq';
import { ArtifactCache, trainProcessor } from '../../ai-worker/processors.js';
import type { TrainJobData } from '../../src/ais/jobs.js';
import type { Context } from '../../src/context.js';
import { queueNames } from '../../src/platform/queue.js';
import { testProvider } from '../helpers/db.js';
import { aiName, startAiSuite, type AiSuite } from './helpers.js';

let s: AiSuite;
beforeAll(async () => {
  s = await startAiSuite({}, { worker: false });
}, 60_000);
afterAll(async () => {
  await s?.cleanup();
});

const admin = () => ({ id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 });

/** A model created through the service (its training job queued on real Redis) and that job, as BullMQ holds it. */
async function queuedModel() {
  const ai = await s.t.ctx.services.ais.create(admin(), { name: aiName('redelivery') });
  const job = await Job.fromId<TrainJobData>(s.t.ctx.queues.get(queueNames.aiTrain), ai.jobId!);
  expect(job?.data).toEqual({ aiId: ai.id, requestedBy: s.admin.id });
  return { aiId: ai.id, job: job! };
}

const audits = (aiId: number, action: string) => s.t.ctx.prisma.auditEvent.count({ where: { action, targetId: String(aiId) } });
const stored = (key: string) => s.t.ctx.storage.exists(key);

describe(`a training job delivered twice (${testProvider})`, () => {
  it('two runs at once: one version, one artifact, one audit record; the loser keeps the winner’s artifact', async () => {
    const { aiId, job } = await queuedModel();
    const run = trainProcessor(s.t.ctx, new ArtifactCache(s.t.ctx.storage));
    // the two runs interleave at every await: both read version 0 before either has written
    const results = await Promise.all([run(job), run(job)]);
    expect(results).toEqual(expect.arrayContaining([{ version: 1 }, { skipped: true }]));
    const row = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: aiId } });
    expect(row).toMatchObject({ status: 'succeeded', version: 1, artifactKey: `models/${aiId}/1.json`, isAvailable: true, error: null, jobId: job.id });
    expect(await stored(row.artifactKey!)).toBe(true);
    expect(await audits(aiId, 'ai.trained')).toBe(1);
  });

  it('a run after the job has finished trains nothing: no second version, no audit record', async () => {
    const { aiId, job } = await queuedModel();
    const run = trainProcessor(s.t.ctx, new ArtifactCache(s.t.ctx.storage));
    expect(await run(job)).toEqual({ version: 1 });
    const before = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: aiId } });
    expect(await run(job)).toEqual({ skipped: true });
    const after = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: aiId } });
    expect(after).toMatchObject({ status: 'succeeded', version: 1, artifactKey: `models/${aiId}/1.json`, finishDate: before.finishDate, startDate: before.startDate });
    expect(await stored(`models/${aiId}/2.json`)).toBe(false);
    expect(await audits(aiId, 'ai.trained')).toBe(1);
  });

  it('a run that fails after another run of the job succeeded does not mark the model failed', async () => {
    const { aiId, job } = await queuedModel();
    const artifacts = new ArtifactCache(s.t.ctx.storage);
    const winner = trainProcessor(s.t.ctx, artifacts)(job);
    // the other run's storage fails for good, once the first run has finished
    const failingStorage = Object.assign(Object.create(s.t.ctx.storage) as Context['storage'], {
      put: async () => {
        await winner;
        throw new UnrecoverableError('the disk is gone');
      },
    });
    const ctx: Context = { ...s.t.ctx, storage: failingStorage };
    const [won, lost] = await Promise.allSettled([winner, trainProcessor(ctx, artifacts)(job)]);
    expect(won).toEqual({ status: 'fulfilled', value: { version: 1 } });
    expect(lost.status).toBe('rejected');
    const row = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: aiId } });
    expect(row).toMatchObject({ status: 'succeeded', version: 1, error: null });
    expect(await audits(aiId, 'ai.trained')).toBe(1);
    expect(await audits(aiId, 'ai.train_failed')).toBe(0);
  });
});
