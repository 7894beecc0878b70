// The AI job state machine, the one place where a training (the Ai row) or a prediction (the AiLog row) changes
// state, used by the api (src/ais) and the worker (ai-worker/):
//
//   queued ──claim──▶ running ──succeed──▶ succeeded
//     ▲                 │
//     └─────retry───────┤ (a transient error, attempts left)
//                       └──────fail──────▶ failed      (also from queued: not queued, given up by BullMQ, entry lost)
//   succeeded | failed ──queue──▶ queued                (a new training; a prediction asked again)
//
// Every transition is conditional: the row must still belong to the job (jobId) and be in a state the
// transition leaves from. A repeated delivery, a late queue listener or a second sweeping process therefore
// changes nothing, and only the writer whose update took effect records the audit event and publishes the
// completion event: a final failure always leaves status `failed`, an error text, a finish date and one
// audit record (`ai.train_failed`, `ai.prediction_failed`).
import type { AuditLog } from '../audit/service.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import { Prisma, type Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { queueNotificationEvents, type NotificationEvent } from '../notifications/index.js';
import type { Queues } from '../platform/queue.js';
import { publishAiEvents } from './events.js';
import type { AiEvent, JobStatus } from './jobs.js';

/** The states a job leaves by finishing. */
export const unfinished = ['queued', 'running'] as const satisfies readonly JobStatus[];

/** Why a job failed, as the audit record gives it. */
export type FailureReason =
  /** the processor found the input invalid, or a transient error outlived its attempts */
  | 'failed'
  /** the queue did not take the job */
  | 'not_queued'
  /** its worker stopped while running it too many times (BullMQ gave it up without running our code) */
  | 'stalled'
  /** its queue entry vanished (Redis lost its data) */
  | 'lost';

export interface StateDeps {
  prisma: Db;
  audit: AuditLog;
  redis: Redis;
  logger: Logger;
  config: Pick<Config, 'redisPrefix'>;
  /** The queues, where the caller has them: final states notify the member or admin who asked (src/notifications). */
  queues?: Queues;
}

/** Error texts are kept to a bounded length. */
export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

const publish = async (deps: StateDeps, events: AiEvent[], notify: NotificationEvent[]) => {
  await publishAiEvents(deps.redis, deps.config.redisPrefix, events, deps.logger);
  if (deps.queues && notify.length) {
    await queueNotificationEvents(deps.queues, notify).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'could not queue AI notifications'));
  }
};

/** A training's states on the Ai row. */
export const trainingStates = {
  /** The first state of a new model (its job id is set once its files are stored). */
  created: 'queued' as const,

  /** A new training of a finished model; false while one is queued or running. */
  async queue(prisma: Db, aiId: number, jobId: string): Promise<boolean> {
    const { count } = await prisma.ai.updateMany({
      where: { id: aiId, status: { notIn: [...unfinished] } },
      data: { status: 'queued', jobId, error: null, startDate: null, finishDate: null },
    });
    return count > 0;
  },

  /** A run of the job starts; false when the job has finished already (a repeated delivery) or is not the model's. */
  async claim(prisma: Db, aiId: number, jobId: string): Promise<boolean> {
    const { count } = await prisma.ai.updateMany({ where: { id: aiId, jobId, status: { in: [...unfinished] } }, data: { status: 'running', startDate: new Date(), error: null } });
    return count > 0;
  },

  /**
   * The run's artifact becomes the model's, only over the version it started from: of two runs of one job, the
   * first to write wins. The first artifact makes the model available; a retraining keeps an admin's choice.
   */
  async succeed(
    deps: StateDeps,
    run: { aiId: number; jobId: string; fromVersion: number; actorId: number | null },
    result: { version: number; artifactKey: string; metrics: Record<string, unknown>; audit: Record<string, unknown> },
  ): Promise<boolean> {
    const { aiId, jobId, fromVersion } = run;
    const { count } = await deps.prisma.ai.updateMany({
      where: { id: aiId, jobId, version: fromVersion, status: { in: [...unfinished] } },
      data: {
        status: 'succeeded',
        finishDate: new Date(),
        metrics: result.metrics as Prisma.InputJsonObject,
        version: result.version,
        artifactKey: result.artifactKey,
        error: null,
        ...(fromVersion === 0 ? { isAvailable: true } : {}),
      },
    });
    if (!count) return false;
    await deps.audit.record({ actor: run.actorId ? { id: run.actorId } : null, action: 'ai.trained', target: { type: 'ai', id: aiId }, details: { jobId, version: result.version, ...result.audit } });
    await publish(deps, [{ type: 'ai', id: aiId, aiId, userId: null, status: 'succeeded' }], [{ kind: 'training', aiId, jobId, status: 'succeeded', requestedBy: run.actorId }]);
    return true;
  },

  /** A failed attempt that will be retried: back to queued, the error kept for admins. */
  async retry(prisma: Db, aiId: number, jobId: string, attempt: number, error: string): Promise<boolean> {
    const { count } = await prisma.ai.updateMany({ where: { id: aiId, jobId, status: { in: [...unfinished] } }, data: { status: 'queued', error: `attempt ${attempt} failed, retrying: ${error}` } });
    return count > 0;
  },

  /** The job has failed for good. Records and publishes it when this call made the change. */
  async fail(deps: StateDeps, run: { aiId: number; jobId: string | null; actorId: number | null }, error: string, reason: FailureReason, details: Record<string, unknown> = {}): Promise<boolean> {
    const { aiId, jobId } = run;
    const { count } = await deps.prisma.ai.updateMany({ where: { id: aiId, jobId, status: { in: [...unfinished] } }, data: { status: 'failed', error: error.slice(0, 2000), finishDate: new Date() } });
    if (!count) return false;
    await deps.audit.record({ actor: run.actorId ? { id: run.actorId } : null, action: 'ai.train_failed', target: { type: 'ai', id: aiId }, details: { jobId, error, reason, ...details } });
    await publish(deps, [{ type: 'ai', id: aiId, aiId, userId: null, status: 'failed' }], jobId ? [{ kind: 'training', aiId, jobId, status: 'failed', requestedBy: run.actorId }] : []);
    return true;
  },
};

/** A prediction as the state machine needs to know it. */
export interface PredictionRef {
  id: number;
  aiId: number;
  userId: number;
  jobId: string;
}

export interface PredictionOutcome extends PredictionRef {
  status: Extract<JobStatus, 'succeeded' | 'failed'>;
  result?: number | number[];
  error?: string;
  resultDocId?: string | null;
}

/** A prediction's states on the AiLog row. The running and final writes return unexecuted queries, so the worker commits many in one transaction. */
export const predictionStates = {
  created: 'queued' as const,

  /** Asked again with a new input (not while its current job runs); false when the row changed meanwhile. */
  async queueAgain(prisma: Db, id: number, fromJobId: string | null, jobId: string, input: number[] | number[][]): Promise<boolean> {
    const { count } = await prisma.aiLog.updateMany({
      where: { id, jobId: fromJobId, status: { not: 'running' } },
      data: { input, result: Prisma.DbNull, status: 'queued', error: null, isFinished: false, startDate: null, finishDate: null, jobId, resultDocId: null },
    });
    return count > 0;
  },

  /** Queued rows whose job has started. */
  running(prisma: Db, runs: { id: number; jobId: string }[], at: Date) {
    return prisma.aiLog.updateMany({ where: { OR: runs.length ? runs.map((r) => ({ id: r.id, jobId: r.jobId })) : [{ id: -1 }], status: 'queued' }, data: { status: 'running', startDate: at } });
  },

  /** A final state, written only while the row is unfinished and still this job's. */
  finish(prisma: Db, outcome: PredictionOutcome, at: Date) {
    return prisma.aiLog.updateMany({
      where: { id: outcome.id, jobId: outcome.jobId, isFinished: false },
      data: {
        status: outcome.status,
        isFinished: true,
        finishDate: at,
        error: outcome.status === 'failed' ? (outcome.error ?? 'The prediction failed.').slice(0, 2000) : null,
        resultDocId: outcome.resultDocId ?? null,
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
      },
    });
  },

  /** After the final states are committed: the completion events, and an audit record per failure. */
  async finished(deps: StateDeps, written: PredictionOutcome[], reason: FailureReason = 'failed'): Promise<void> {
    const failures = written.filter((o) => o.status === 'failed');
    for (const f of failures) {
      await deps.audit.record({
        actor: null,
        action: 'ai.prediction_failed',
        target: { type: 'ailog', id: f.id },
        details: { aiId: f.aiId, userId: f.userId, jobId: f.jobId, error: f.error ?? null, reason },
      });
    }
    await publish(
      deps,
      written.map((o) => ({ type: 'ailog' as const, id: o.id, aiId: o.aiId, userId: o.userId, status: o.status })),
      written.map((o) => ({ kind: 'prediction' as const, aiLogId: o.id, jobId: o.jobId, status: o.status })),
    );
  },

  /** Fails predictions for good (each only while unfinished and still its job's); returns those this call changed. */
  async fail(deps: StateDeps, refs: PredictionRef[], error: string, reason: FailureReason): Promise<PredictionRef[]> {
    if (!refs.length) return [];
    const at = new Date();
    const outcomes: PredictionOutcome[] = refs.map((r) => ({ ...r, status: 'failed', error }));
    const results = await deps.prisma.$transaction(outcomes.map((o) => predictionStates.finish(deps.prisma, o, at)));
    const written = outcomes.filter((_, i) => results[i].count > 0);
    await predictionStates.finished(deps, written, reason);
    return written;
  },

  /** A prediction whose queue entry was lost goes back to queued before it is queued again (same job id); false when it finished meanwhile. */
  async requeueLost(prisma: Db, ref: { id: number; jobId: string }): Promise<boolean> {
    const { count } = await prisma.aiLog.updateMany({ where: { id: ref.id, jobId: ref.jobId, isFinished: false }, data: { status: 'queued', startDate: null } });
    return count > 0;
  },
};
