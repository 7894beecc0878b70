// A job caught in a crash loop: the real worker process is SIGKILLed three times during one training. Each kill
// leaves the job stalled; BullMQ's stalled-job check gives it back to the next worker twice, and the third time
// fails it ("job stalled more than allowable limit") without running any of our code. The model must still end
// `failed` with an error text, a finish date and an audit record, and a new training must be accepted at once.
// And with the default lock settings, a job whose worker is killed runs again on another worker (the time taken
// is printed: lockDuration + stalledInterval at most, 15 s).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queueNames } from '../../src/platform/queue.js';
import { call } from '../boards/setup.js';
import { testProvider } from '../helpers/db.js';
import { aiName, bigDataset, killWorkerProcesses, startAiSuite, startWorkerProcess, trained, waitFor, waitForWorkerStart, type AiSuite } from '../ai/helpers.js';

const LOCK_MS = 6000;
const STALLED_MS = 1000;

let s: AiSuite;
beforeAll(async () => {
  // a lock short enough that a dead worker's job comes back within seconds, long enough that parsing the big
  // dataset in a live worker never lets it expire
  s = await startAiSuite({ AI_LOCK_DURATION_MS: String(LOCK_MS), AI_STALLED_INTERVAL_MS: String(STALLED_MS), AI_DATASET_MAX_ROWS: '200000', AI_DATASET_MAX_BYTES: '50000000' }, { worker: false });
}, 60_000);
afterAll(async () => {
  await killWorkerProcesses();
  await s?.cleanup();
});

describe(`a training job whose worker crashes three times (${testProvider})`, () => {
  it('ends failed with an error, a finish date and an audit record, and can be retrained at once', async () => {
    const admin = { id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 };
    const ai = await s.t.ctx.services.ais.create(admin, { name: aiName('crash'), datasetCsv: bigDataset(150_000) });
    const queue = s.t.ctx.queues.get(queueNames.aiTrain);
    const row = () => s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });

    // kill the worker while it trains, three times; each new worker takes the stalled job back and starts it again
    let lastStart: Date | null = null;
    let killedAt = 0;
    const takenBackMs: number[] = [];
    for (let kill = 1; kill <= 3; kill++) {
      const worker = startWorkerProcess(s);
      await waitForWorkerStart(worker);
      const started = await waitFor(
        `training run ${kill} to start`,
        async () => {
          const r = await row();
          if (r.status === 'running' && r.startDate && (!lastStart || r.startDate > lastStart)) return r;
          return null;
        },
        90_000,
        10,
      );
      if (killedAt) takenBackMs.push(Date.now() - killedAt);
      lastStart = started.startDate;
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBe(null);
      killedAt = Date.now();
      expect(await row()).toMatchObject({ status: 'running', version: 0, finishDate: null }); // the kill was mid-job
    }

    // the next worker's stalled check gives the job up: BullMQ fails it without calling the processor
    const last = startWorkerProcess(s);
    try {
      await waitForWorkerStart(last);
      await waitFor('BullMQ to fail the job', async () => (await queue.getJobState(ai.jobId!)) === 'failed', 90_000, 50);
      const job = await queue.getJob(ai.jobId!);
      expect(job?.failedReason).toBe('job stalled more than allowable limit');
      const failed = await waitFor('the model to be marked failed', async () => ((await row()).status === 'failed' ? row() : null), 30_000, 50);
      const givenUpMs = Date.now() - killedAt;
      expect(failed).toMatchObject({ status: 'failed', version: 0, isAvailable: false, jobId: ai.jobId });
      expect(failed.error).toMatch(/worker stopped .* 3 times/);
      expect(failed.finishDate).toBeInstanceOf(Date);
      expect(failed.finishDate!.getTime()).toBeGreaterThanOrEqual(lastStart!.getTime());
      // the audit record is written after the row (the audit log may be another store): wait for it
      const auditsOf = () => s.t.ctx.prisma.auditEvent.findMany({ where: { action: 'ai.train_failed', targetId: String(ai.id) } });
      const audits = await waitFor('the audit record of the failure', async () => ((await auditsOf()).length > 0 ? auditsOf() : null), 30_000, 50);
      expect(audits).toHaveLength(1);
      expect(audits[0].details).toMatchObject({ jobId: ai.jobId, reason: 'stalled' });

      // admins see why, and may train again at once
      const seen = await call(s.app, s.admin, 'get', `/ais/${ai.id}`);
      expect(seen.body).toMatchObject({ status: 'failed', error: failed.error });
      const retrain = await call(s.app, s.admin, 'post', `/ais/${ai.id}/train`);
      expect(retrain.status).toBe(202);
      expect(retrain.body).toMatchObject({ status: 'queued' });
      const done = await trained(s, ai.id, 120_000);
      expect(done).toMatchObject({ status: 'succeeded', version: 1, jobId: retrain.body.jobId, error: null });
      process.stdout.write(`crash loop (${testProvider}): stalled job taken back after ${takenBackMs.join(' / ')} ms; given up and recorded ${givenUpMs} ms after the third kill\n`);
    } finally {
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);
    }
  }, 400_000);

  it('with the default lock settings, a killed worker’s training is taken back by the worker still running', async () => {
    const admin = { id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 };
    const defaults = { AI_LOCK_DURATION_MS: null, AI_STALLED_INTERVAL_MS: null };
    const workers = [startWorkerProcess(s, defaults), startWorkerProcess(s, defaults)];
    try {
      await Promise.all(workers.map((w) => waitForWorkerStart(w)));
      const ai = await s.t.ctx.services.ais.create(admin, { name: aiName('takeback'), datasetCsv: bigDataset(150_000) });
      const runner = await waitFor('a worker to start the training', () => workers.find((w) => w.output().includes(`"jobId":"${ai.jobId}"`) && w.output().includes('training started')), 90_000, 10);
      const first = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });
      runner.child.kill('SIGKILL');
      await runner.exited;
      const killedAt = Date.now();
      expect(await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } })).toMatchObject({ status: 'running', version: 0 });
      const again = await waitFor(
        'the other worker to take the training back',
        async () => {
          const r = await s.t.ctx.prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });
          return r.startDate && first.startDate && r.startDate > first.startDate ? r : null;
        },
        120_000,
        50,
      );
      const takenBackMs = again.startDate!.getTime() - killedAt;
      const other = workers.find((w) => w !== runner)!;
      expect(await trained(s, ai.id, 120_000)).toMatchObject({ status: 'succeeded', version: 1 });
      expect(other.output()).toContain('training started');
      process.stdout.write(`default lock settings (${testProvider}): the killed worker's training ran again on the other worker ${takenBackMs} ms after the kill\n`);
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    }
  }, 300_000);
});
