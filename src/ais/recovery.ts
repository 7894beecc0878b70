// Every AI job that ends in BullMQ's failed set, however it got there, leaves its row `failed` with an error
// text, a finish date and an audit record (states.ts), so that a new training or a new question is possible at
// once. Most failures are recorded by the processor itself; this covers the others:
//   - a job given up by BullMQ without running our code (its worker stopped while running it more than
//     maxStalledCount times: crash loops, kill -9, OOM): the queue's `failed` events, heard by every api and
//     worker process (each change is conditional, so several listeners record it once);
//   - failed events nobody heard (no process listening at that moment) and rows whose job no longer exists
//     (Redis lost its data, or a job vanished): a sweep at start and every sweepIntervalMs. A training whose job
//     vanished is failed; a prediction is queued again under the same job id (idempotent) while its model can
//     still predict, and failed otherwise.
import { QueueEvents, type Queue } from 'bullmq';
import type { Config } from '../config.js';
import { bullConnection, bullPrefix, queueNames } from '../platform/queue.js';
import { predictionJobs, type PredictionJob, type QueueDeps } from './enqueue.js';
import { maxStalledCount, type PredictJobData, type TrainJobData } from './jobs.js';
import { predictionStates, trainingStates, unfinished, type FailureReason } from './states.js';

export interface AiRecoveryOptions {
  /** How often the sweep runs after the one at start (default 30 s). */
  sweepIntervalMs?: number;
  /** A row changed more recently than this is not taken for lost when its job is missing: a request may be queueing it (default 30 s). */
  graceMs?: number;
}

export interface SweepResult {
  /** Rows failed because their job was given up or lost. */
  failed: number;
  /** Predictions queued again under their job id. */
  requeued: number;
}

type RecoveryDeps = QueueDeps & { config: Pick<Config, 'ai' | 'redisPrefix' | 'redisUrl'> };

const STALLED = 'job stalled more than allowable limit';
const BATCH = 200;

/** The row's error text and the audit reason for a failed reason given by BullMQ. */
export function describeFailure(failedReason: string | undefined): { error: string; reason: FailureReason } {
  if (failedReason?.includes(STALLED)) {
    return {
      reason: 'stalled',
      error: `The worker stopped while running this job ${maxStalledCount + 1} times (it crashed, was killed, or was blocked past its lock); the job was given up.`,
    };
  }
  return { reason: 'failed', error: failedReason || 'The job failed.' };
}

const lost = { reason: 'lost' as const, error: 'The job’s queue entry was lost (was Redis restarted without persistence?); the job did not run to its end.' };

export class AiJobRecovery {
  private readonly listeners: QueueEvents[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<SweepResult> | null = null;
  private stopped = false;
  private readonly sweepIntervalMs: number;
  private readonly graceMs: number;

  constructor(
    private readonly deps: RecoveryDeps,
    opts: AiRecoveryOptions = {},
  ) {
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 30_000;
    this.graceMs = opts.graceMs ?? 30_000;
  }

  /** Listens to both queues' failed events (resolves once listening), sweeps now and then periodically. */
  async start(): Promise<void> {
    const { config, logger } = this.deps;
    for (const name of [queueNames.aiTrain, queueNames.aiPredict]) {
      const events = new QueueEvents(name, { connection: bullConnection(config), prefix: bullPrefix(config) });
      events.on('error', (err) => logger.warn({ err: err.message, queue: name }, 'AI queue events connection error (it reconnects by itself)'));
      events.on('failed', ({ jobId, failedReason }) => {
        this.jobFailed(name, jobId, failedReason).catch((err: unknown) => logger.error({ err, queue: name, jobId }, 'could not record a failed AI job (the sweep will)'));
      });
      this.listeners.push(events);
    }
    await Promise.all(this.listeners.map((l) => l.waitUntilReady()));
    if (this.stopped) return;
    const sweep = () => void this.sweep().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'AI job sweep failed (it runs again later)'));
    sweep();
    this.timer = setInterval(sweep, this.sweepIntervalMs);
    this.timer.unref();
  }

  /** Records a job BullMQ has failed on its row (when the processor has not already). */
  async jobFailed(queue: (typeof queueNames)[keyof typeof queueNames], jobId: string, failedReason: string | undefined): Promise<void> {
    const { prisma, logger } = this.deps;
    const { error, reason } = describeFailure(failedReason);
    if (queue === queueNames.aiTrain) {
      const row = await prisma.ai.findFirst({ where: { jobId, status: { in: [...unfinished] } }, select: { id: true } });
      if (!row) return;
      const job = await this.deps.queues
        .get(queue)
        .getJob(jobId)
        .catch(() => undefined);
      const actorId = (job?.data as TrainJobData | undefined)?.requestedBy ?? null;
      if (await trainingStates.fail(this.deps, { aiId: row.id, jobId, actorId }, error, reason, { failedReason: failedReason ?? null })) {
        logger.warn({ aiId: row.id, jobId, reason, failedReason }, 'AI training failed outside its processor: recorded');
      }
      return;
    }
    const rows = await prisma.aiLog.findMany({ where: { isFinished: false, jobId }, select: { id: true, aiId: true, userId: true } });
    const failed = await predictionStates.fail(
      this.deps,
      rows.map((r) => ({ ...r, jobId })),
      error,
      reason,
    );
    if (failed.length) logger.warn({ aiLogIds: failed.map((r) => r.id), jobId, reason, failedReason }, 'AI prediction failed outside its processor: recorded');
  }

  /**
   * Null while the job is alive (waiting, delayed or running) or may still be being queued; otherwise why its
   * row must be finished, and whether the job is gone (so that adding it again under its id would run it).
   */
  private async verdict(queue: Queue, row: { jobId: string | null; updateDate: Date }, cutoff: Date): Promise<{ error: string; reason: FailureReason; gone: boolean } | null> {
    const state = row.jobId ? await queue.getJobState(row.jobId) : 'unknown';
    if (state === 'failed') return { ...describeFailure((await queue.getJob(row.jobId!))?.failedReason), gone: false };
    if (row.updateDate >= cutoff) return null;
    if (state === 'unknown') return { ...lost, gone: true };
    // jobs are removed on completion, after their row was written: one still there ended without a result
    if (state === 'completed') return { reason: 'lost', error: 'The job ended without writing its result.', gone: false };
    return null;
  }

  /** One pass over the unfinished rows (one pass at a time per process). */
  sweep(opts: { graceMs?: number } = {}): Promise<SweepResult> {
    return (this.sweeping ??= this.sweepOnce(opts.graceMs ?? this.graceMs).finally(() => {
      this.sweeping = null;
    }));
  }

  private async sweepOnce(graceMs: number): Promise<SweepResult> {
    const cutoff = new Date(Date.now() - graceMs);
    const result: SweepResult = { failed: 0, requeued: 0 };
    await this.sweepTrainings(cutoff, result);
    await this.sweepPredictions(cutoff, result);
    if (result.failed || result.requeued) this.deps.logger.warn({ ...result }, 'AI job sweep: rows whose job was given up or lost');
    return result;
  }

  private async sweepTrainings(cutoff: Date, result: SweepResult): Promise<void> {
    const queue = this.deps.queues.get(queueNames.aiTrain);
    for (let after = 0; ;) {
      const rows = await this.deps.prisma.ai.findMany({
        where: { id: { gt: after }, status: { in: [...unfinished] } },
        orderBy: { id: 'asc' },
        take: BATCH,
        select: { id: true, jobId: true, updateDate: true },
      });
      if (!rows.length) return;
      after = rows[rows.length - 1].id;
      await Promise.all(
        rows.map(async (r) => {
          const why = await this.verdict(queue, r, cutoff);
          if (why && (await trainingStates.fail(this.deps, { aiId: r.id, jobId: r.jobId, actorId: null }, why.error, why.reason))) result.failed++;
        }),
      );
    }
  }

  private async sweepPredictions(cutoff: Date, result: SweepResult): Promise<void> {
    const { prisma } = this.deps;
    const queue = this.deps.queues.get(queueNames.aiPredict);
    for (let after = 0; ;) {
      const rows = await prisma.aiLog.findMany({
        where: { id: { gt: after }, isFinished: false },
        orderBy: { id: 'asc' },
        take: BATCH,
        select: { id: true, aiId: true, userId: true, jobId: true, updateDate: true },
      });
      if (!rows.length) return;
      after = rows[rows.length - 1].id;
      const models = new Map(
        (await prisma.ai.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.aiId))] } }, select: { id: true, artifactKey: true, isAvailable: true } })).map((m) => [m.id, m]),
      );
      const again: PredictionJob[] = [];
      await Promise.all(
        rows.map(async (r) => {
          if (!r.jobId) return;
          const ref = { id: r.id, aiId: r.aiId, userId: r.userId, jobId: r.jobId };
          const why = await this.verdict(queue, r, cutoff);
          if (!why) return;
          const model = models.get(r.aiId);
          if (why.gone && model?.isAvailable && model.artifactKey) {
            // checked after the job was found missing: a row still unfinished now was never finished by its job
            if (!(await predictionStates.requeueLost(prisma, ref))) return;
            const row = await prisma.aiLog.findUnique({ where: { id: r.id }, select: { input: true } });
            if (row) again.push({ ref, artifactKey: model.artifactKey, input: row.input as PredictJobData['input'] });
            return;
          }
          const error = why.gone ? `${lost.error} The model can no longer predict.` : why.error;
          result.failed += (await predictionStates.fail(this.deps, [ref], error, why.reason)).length;
        }),
      );
      if (again.length) {
        // not taken now (Redis down): they stay queued and the next sweep tries again
        await queue.addBulk(predictionJobs(this.deps.config, again));
        result.requeued += again.length;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
    await Promise.all(
      this.listeners.splice(0).map(async (l) => {
        const closed = l.close();
        const late = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2000).unref())]);
        if (late) await l.disconnect().catch(() => undefined);
      }),
    );
  }
}
