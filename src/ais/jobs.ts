// What the api puts on the AI queues and the worker takes off them: job names, data, options and ids, the
// storage keys of models, and the completion events. Shared by src/ais/service.ts and ai-worker/.
import crypto from 'node:crypto';
import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { Config } from '../config.js';

export const jobNames = { train: 'train', predict: 'predict' } as const;

export interface TrainJobData {
  aiId: number;
  /** Who asked (for the audit record the worker writes). */
  requestedBy: number | null;
}

export interface PredictJobData {
  aiLogId: number;
  aiId: number;
  userId: number;
  /** The artifact current when the prediction was asked for (the worker caches artifacts by key). */
  artifactKey: string;
  /** One row (`input`) or a batch of rows (`inputs`); the result has the same shape (a number, or an array). */
  input: number[] | number[][];
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** Published on redisChannels.aiEvents when a prediction (`ailog`) or a training (`ai`) reaches a final state. */
export interface AiEvent {
  type: 'ailog' | 'ai';
  id: number;
  aiId: number;
  userId: number | null;
  status: JobStatus;
}

/** Job ids are ours (kept on the row, so a model's jobs can be found and cancelled). BullMQ forbids ':' in them. */
export const trainJobId = () => `t-${crypto.randomUUID()}`;
export const predictJobId = () => `p-${crypto.randomUUID()}`;

/**
 * Retries with exponential backoff for transient errors (the processors throw UnrecoverableError for invalid
 * input, which is never retried). Jobs are removed once finished: the processor has written the final state
 * to the database before it returns or throws, so nothing is lost; failed ones are kept a while, bounded.
 */
export function jobOptions(config: Pick<Config, 'ai'>, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: config.ai.jobAttempts,
    backoff: { type: 'exponential', delay: config.ai.backoffMs },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
  };
}

/**
 * A job whose worker stopped while running it (crash, kill -9, or an event loop held past the lock) is taken
 * back this many times; the next time BullMQ fails it ("job stalled more than allowable limit") without
 * running it, and the AI job recovery (recovery.ts) records the failure on its row.
 */
export const maxStalledCount = 2;

/**
 * The lock and stalled-check settings of both AI consumers. A worker renews the lock of each job it runs every
 * lockDuration/2; the stalled check marks the active jobs and, at its next run, takes back those whose lock has
 * expired meanwhile. A crashed worker's job is so taken back at most lockDuration + stalledInterval after the
 * crash (by any worker of the queue that is running, or by the next one to start).
 */
export function workerLockOptions(config: Pick<Config, 'ai'>): Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> {
  return { lockDuration: config.ai.lockDurationMs, stalledInterval: config.ai.stalledIntervalMs, maxStalledCount };
}

/** Storage keys: `models/<ai-id>/<version>.json` for artifacts, `models/<ai-id>/dataset.{csv,json}` for an upload. */
export const modelKeys = {
  artifact: (aiId: number, version: number) => `models/${aiId}/${version}.json`,
  dataset: (aiId: number) => `models/${aiId}/dataset.csv`,
  /** The declared feature and target columns of an uploaded dataset. */
  datasetSpec: (aiId: number) => `models/${aiId}/dataset.json`,
} as const;
