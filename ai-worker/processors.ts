// The BullMQ consumers of the ai-train and ai-predict queues.
//   training    the Ai row through the job states of src/ais/states.ts, with timestamps, metrics and error text;
//               the artifact goes to storage (models/<ai-id>/<version>.json) before the row points at it
//   prediction  the same states on the AiLog row, written in group commits (result-writer.ts)
// Invalid input (a bad dataset, a wrong input length, a missing artifact) fails at once (UnrecoverableError);
// anything else is retried with exponential backoff (jobOptions). A job whose worker died is taken back by
// BullMQ's stalled-job check (workerLockOptions), and given up after maxStalledCount such returns; the AI job
// recovery (src/ais/recovery.ts, run beside the consumers) records that on the row. Processors are idempotent:
// a row already finished, deleted, or handed to a newer job is left alone.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { modelKeys, workerLockOptions, type PredictJobData, type TrainJobData } from '../src/ais/jobs.js';
import { DatasetError, InputError, defaultDatasetPath, parseArtifact, parseDataset, predict, train, type Artifact, type DatasetSpec } from '../src/ais/model.js';
import type { AiJobRecovery, AiRecoveryOptions } from '../src/ais/recovery.js';
import { errorText, trainingStates } from '../src/ais/states.js';
import type { Context } from '../src/context.js';
import { runWithLogContext } from '../src/platform/log-context.js';
import { bullConnection, bullPrefix, queueNames } from '../src/platform/queue.js';
import { ObjectNotFoundError, type Storage } from '../src/platform/storage.js';
import { createResultArchive, type ResultArchive } from './archive.js';
import { ResultWriter } from './result-writer.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Artifacts by storage key, loaded once (concurrent loads share one read), least recently used dropped first. */
export class ArtifactCache {
  private readonly entries = new Map<string, Promise<Artifact>>();

  constructor(
    private readonly storage: Storage,
    private readonly max = 64,
  ) {}

  get(key: string): Promise<Artifact> {
    let p = this.entries.get(key);
    if (p) {
      this.entries.delete(key);
      this.entries.set(key, p);
      return p;
    }
    p = this.storage
      .read(key)
      .then(readAll)
      .then((b) => parseArtifact(b.toString('utf8')));
    p.catch(() => this.entries.delete(key));
    this.entries.set(key, p);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return p;
  }

  set(key: string, artifact: Artifact): void {
    this.entries.set(key, Promise.resolve(artifact));
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** No retry can fix these. */
const isInvalid = (e: unknown) => e instanceof UnrecoverableError || e instanceof DatasetError || e instanceof InputError || e instanceof ObjectNotFoundError || e instanceof SyntaxError;
const isFinalAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export interface AiWorkerOptions {
  trainConcurrency?: number;
  predictConcurrency?: number;
  /** Defaults to MongoDB `ai_results` when MONGODB_URL is set. */
  archive?: ResultArchive | null;
  /** The AI job recovery's sweep settings; false: none runs beside these consumers. */
  recovery?: AiRecoveryOptions | false;
}

export interface AiWorkers {
  train: Worker<TrainJobData>;
  predict: Worker<PredictJobData>;
  writer: ResultWriter;
  artifacts: ArtifactCache;
  recovery: AiJobRecovery | null;
  /** Stops taking jobs, lets running ones finish, writes what is pending, closes the archive. */
  close(): Promise<void>;
}

export function trainProcessor(ctx: Context, artifacts: ArtifactCache) {
  const { prisma, storage, logger, config } = ctx;

  async function loadDataset(datasetKey: string | null): Promise<{ csv: Buffer; spec: DatasetSpec }> {
    if (!datasetKey) return { csv: await fs.readFile(defaultDatasetPath), spec: {} };
    const aiId = Number(/^models\/(\d+)\//.exec(datasetKey)?.[1]);
    const spec = JSON.parse((await readAll(await storage.read(modelKeys.datasetSpec(aiId)))).toString('utf8')) as DatasetSpec;
    return { csv: await readAll(await storage.read(datasetKey)), spec };
  }

  return async (job: Job<TrainJobData>) => {
    const { aiId, requestedBy } = job.data;
    const jobId = job.id!;
    const ai = await prisma.ai.findUnique({ where: { id: aiId }, select: { jobId: true, version: true, datasetKey: true, status: true } });
    if (!ai || ai.jobId !== jobId) {
      logger.info({ aiId, jobId }, 'training skipped: the model was deleted or a newer training was asked for');
      return { skipped: true };
    }
    // BullMQ delivers at least once: a job whose lock expired (a worker whose event loop was held past the lock
    // duration) is handed out again, while the first run may still go on, or after it has finished. A run finds
    // its job already finished here, and of two runs at once only the first to write the version wins (below).
    if (!(await trainingStates.claim(prisma, aiId, jobId))) {
      logger.info({ aiId, jobId, status: ai.status }, 'training skipped: this job has already finished (a repeated delivery)');
      return { skipped: true };
    }
    logger.info({ aiId, jobId, attemptsStarted: job.attemptsStarted, stalled: job.stalledCounter }, 'training started');
    const run = { aiId, jobId, actorId: requestedBy };
    try {
      const { csv, spec } = await loadDataset(ai.datasetKey);
      await yieldToLoop(); // parsing and solving are synchronous: let the job lock be renewed between them
      const data = parseDataset(csv, { ...spec, maxRows: config.ai.datasetMaxRows });
      await yieldToLoop();
      const version = ai.version + 1;
      const artifact = train(data, version);
      const key = modelKeys.artifact(aiId, version);
      await storage.put(key, Buffer.from(JSON.stringify(artifact)));
      const { rmse, r2, rows } = artifact.metrics;
      const won = await trainingStates.succeed(
        ctx,
        { ...run, fromVersion: ai.version },
        { version, artifactKey: key, metrics: { ...artifact.metrics }, audit: { rmse, r2, rows, datasetSha256: artifact.datasetSha256 } },
      );
      if (!won) {
        const now = await prisma.ai.findUnique({ where: { id: aiId }, select: { jobId: true, artifactKey: true } });
        if (now?.jobId === jobId && now.artifactKey === key) {
          // another run of this same job finished first, with the same version and so the same key: that
          // artifact is the model's now (the two runs trained on the same data); it and its audit record stand
          logger.info({ aiId, jobId, version }, 'training result dropped: another run of this job finished first');
          return { skipped: true };
        }
        await storage.delete(key); // deleted or given up while training: leave no orphan artifact
        return { skipped: true };
      }
      artifacts.set(key, artifact);
      logger.info({ aiId, version, r2: artifact.metrics.r2, trainMs: artifact.metrics.trainMs }, 'model trained');
      return { version };
    } catch (e) {
      const invalid = isInvalid(e);
      // not over the result of another run of this job, nor over a deleted model or a newer job
      const record =
        invalid || isFinalAttempt(job)
          ? trainingStates.fail(ctx, run, errorText(e), 'failed', { code: (e as { code?: string }).code ?? null })
          : trainingStates.retry(prisma, aiId, jobId, job.attemptsMade + 1, errorText(e));
      await record.catch((err: unknown) => logger.error({ err, aiId }, 'could not record the training failure (the AI job recovery will)'));
      logger.warn({ aiId, jobId, err: errorText(e), final: invalid || isFinalAttempt(job) }, 'training failed');
      throw invalid && !(e instanceof UnrecoverableError) ? new UnrecoverableError(errorText(e)) : e;
    }
  };
}

export function predictProcessor(artifacts: ArtifactCache, writer: ResultWriter) {
  return async (job: Job<PredictJobData>) => {
    const { aiLogId, aiId, userId, artifactKey, input } = job.data;
    const base = { aiLogId, aiId, userId, jobId: job.id!, input, artifactKey };
    writer.running(aiLogId, job.id!);
    let result: number | number[];
    try {
      const artifact = await artifacts.get(artifactKey);
      const batch = Array.isArray(input[0]);
      const out = predict(artifact, (batch ? input : [input]) as number[][]);
      result = batch ? out : out[0];
    } catch (e) {
      const invalid = isInvalid(e);
      if (invalid || isFinalAttempt(job)) {
        const error = e instanceof ObjectNotFoundError ? 'The model artifact no longer exists.' : errorText(e);
        await writer.finish({ ...base, status: 'failed', error });
      }
      throw invalid && !(e instanceof UnrecoverableError) ? new UnrecoverableError(errorText(e)) : e;
    }
    const written = await writer.finish({ ...base, status: 'succeeded', result });
    return { written };
  };
}

/**
 * Worker.close() waits for the running jobs; after its Redis connections were cut it can also wait for a
 * fetch that never returns. Past `graceMs` the connections are closed, which ends the wait.
 */
export async function closeWorker(w: Worker, graceMs: number, logger: Context['logger']): Promise<void> {
  const closed = w.close();
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (!late) return;
  logger.warn({ queue: w.name, graceMs }, 'AI worker did not stop in time: closing its connections');
  // seen with BullMQ 6.7 after CLIENT KILL: neither may ever settle; give up waiting after a while
  const forced = w.disconnect().then(() => closed);
  await Promise.race([forced, new Promise((r) => setTimeout(r, 2000).unref())]);
  // Worker.close() stops the lock renewal and the stalled-job checker's wait only after the running jobs have
  // finished, which here may never happen (taskforcesh/bullmq#4656): the lock renewal would then go on every
  // lockDuration/2 for the life of the process (it kept jest's worker alive after test/ai/resilience.test.ts), and
  // the checker's timer would hold the process for up to stalledInterval. BullMQ has no public call for either; both
  // fields are protected, hence the optional calls.
  const internals = w as unknown as { lockManager?: { close(): Promise<void> }; stalledCheckStopper?: () => void };
  await internals.lockManager?.close();
  internals.stalledCheckStopper?.();
}

/** Starts both consumers on the context's config (concurrency, lock and stalled-check settings). */
export async function startAiWorkers(ctx: Context, opts: AiWorkerOptions = {}): Promise<AiWorkers> {
  const { config, logger } = ctx;
  const archive = opts.archive !== undefined ? opts.archive : await createResultArchive(config);
  const artifacts = new ArtifactCache(ctx.storage);
  const writer = new ResultWriter(ctx, archive);
  // jobs BullMQ fails without running them (a crash loop) and jobs lost with Redis's data end failed on their
  // rows; listening before the consumers start, so a job given up at their first fetch is heard
  const recovery = opts.recovery === false ? null : ctx.services.ais.recovery(opts.recovery);
  await recovery?.start();
  const common = { connection: bullConnection(config), prefix: bullPrefix(config), ...workerLockOptions(config) };
  // every log line and audit record made while a job runs carries its id (platform/log-context.ts)
  const withJobContext =
    <D>(fn: (job: Job<D>) => Promise<unknown>) =>
    (job: Job<D>) =>
      runWithLogContext({ jobId: job.id }, () => fn(job));
  const trainWorker = new Worker<TrainJobData>(queueNames.aiTrain, withJobContext(trainProcessor(ctx, artifacts)), { ...common, concurrency: opts.trainConcurrency ?? config.ai.trainConcurrency });
  const predictWorker = new Worker<PredictJobData>(queueNames.aiPredict, withJobContext(predictProcessor(artifacts, writer)), {
    ...common,
    concurrency: opts.predictConcurrency ?? config.ai.predictConcurrency,
  });
  for (const w of [trainWorker, predictWorker]) {
    w.on('error', (err) => logger.warn({ err: err.message, queue: w.name }, 'AI worker error (it reconnects by itself)'));
    w.on('failed', (job, err) => logger.debug({ queue: w.name, jobId: job?.id, err: err.message, attemptsMade: job?.attemptsMade }, 'AI job failed'));
  }
  await Promise.all([trainWorker.waitUntilReady(), predictWorker.waitUntilReady()]);
  let closing: Promise<void> | undefined;
  return {
    train: trainWorker,
    predict: predictWorker,
    writer,
    artifacts,
    recovery,
    close: () =>
      (closing ??= (async () => {
        await recovery?.stop();
        await Promise.all([trainWorker, predictWorker].map((w) => closeWorker(w, config.shutdownTimeoutMs * 0.6, logger)));
        await writer.drain();
        await archive?.close();
      })()),
  };
}
