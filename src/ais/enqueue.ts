// Putting AI jobs on their queues and taking waiting ones off. A queue that does not take a job leaves its row
// failed (states.ts) and the caller gets 503 queue_unavailable; nothing is left queued without a job.
import type { Config } from '../config.js';
import { UnavailableError } from '../errors.js';
import { queueNames, type Queues } from '../platform/queue.js';
import { jobNames, jobOptions, type PredictJobData, type TrainJobData } from './jobs.js';
import { predictionStates, trainingStates, type PredictionRef, type StateDeps } from './states.js';

export interface QueueDeps extends StateDeps {
  queues: Queues;
  config: Pick<Config, 'ai' | 'redisPrefix'>;
}

const queueUnavailable = () => new UnavailableError('queue_unavailable', 'The job queue is not reachable; try again shortly.');

export async function enqueueTraining(deps: QueueDeps, aiId: number, jobId: string, requestedBy: number | null): Promise<void> {
  const data: TrainJobData = { aiId, requestedBy };
  try {
    await deps.queues.get(queueNames.aiTrain).add(jobNames.train, data, jobOptions(deps.config, jobId));
  } catch (e) {
    deps.logger.error({ err: e, aiId }, 'could not enqueue a training job');
    await trainingStates.fail(deps, { aiId, jobId, actorId: requestedBy }, 'The training job could not be queued.', 'not_queued').catch(() => undefined);
    throw queueUnavailable();
  }
}

export interface PredictionJob {
  ref: PredictionRef;
  /** The artifact current when the prediction was asked for. */
  artifactKey: string;
  input: number[] | number[][];
}

/** The jobs of predictions, for one addBulk (a job id already queued is left as it is). */
export function predictionJobs(config: Pick<Config, 'ai'>, jobs: PredictionJob[]) {
  return jobs.map(({ ref, artifactKey, input }) => {
    const data: PredictJobData = { aiLogId: ref.id, aiId: ref.aiId, userId: ref.userId, artifactKey, input };
    return { name: jobNames.predict, data, opts: jobOptions(config, ref.jobId) };
  });
}

/** Adds the jobs in one round trip; when the queue does not take them their rows are failed (503). */
export async function enqueuePredictions(deps: QueueDeps, jobs: PredictionJob[]): Promise<void> {
  if (!jobs.length) return;
  try {
    await deps.queues.get(queueNames.aiPredict).addBulk(predictionJobs(deps.config, jobs));
  } catch (e) {
    deps.logger.error({ err: e, predictions: jobs.length }, 'could not enqueue predictions');
    await predictionStates
      .fail(
        deps,
        jobs.map((j) => j.ref),
        'The prediction could not be queued.',
        'not_queued',
      )
      .catch(() => undefined);
    throw queueUnavailable();
  }
}

/** Best-effort removal of waiting/delayed jobs (an active job is locked: the worker finds no row and drops it). */
export async function cancelJobs(queues: Queues, queue: typeof queueNames.aiTrain | typeof queueNames.aiPredict, jobIds: (string | null)[]): Promise<number> {
  const q = queues.get(queue);
  const cancel = async (id: string) => {
    // Queue.remove answers 1 for a job that does not exist too: count only jobs that were really waiting
    const state = await q.getJobState(id);
    if (state === 'unknown' || state === 'active' || state === 'completed' || state === 'failed') return false;
    return (await q.remove(id)) === 1;
  };
  const results = await Promise.allSettled(jobIds.filter((id): id is string => !!id).map(cancel));
  return results.filter((r) => r.status === 'fulfilled' && r.value).length;
}
