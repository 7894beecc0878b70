// AI models and their predictions (AiLog): the rules, shared by the REST API and the admin panel. Training
// and predicting are jobs on the ai-train / ai-predict queues, run by ai-worker/; this service validates,
// writes the rows, enqueues, cancels, and reads back what the worker wrote.
//   models       admins manage them; members see only visible and available ones (others do not exist for them)
//   predictions  any signed-in member, on a model they can see that has a trained artifact; a member sees
//                their own logs, admins everyone's
import { DatasetError, InputError, checkInput, parseDataset, type Metrics } from './model.js';
import type { AuditLog } from '../audit/service.js';
import type { Principal } from '../auth/sessions.js';
import { isStaff } from '../boards/policy.js';
import type { Config } from '../config.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, ValidationError, toAppError, type FieldError } from '../http/errors.js';
import { decodeKey, encodeKey, type Page } from '../http/pagination.js';
import type { Logger } from '../platform/logger.js';
import { Prisma, type Db } from '../platform/prisma.js';
import { queueNames, type Queues } from '../platform/queue.js';
import type { Redis } from '../platform/redis.js';
import type { Storage } from '../platform/storage.js';
import { AiEventHub } from './events.js';
import { jobNames, jobOptions, modelKeys, predictJobId, trainJobId, type JobStatus, type PredictJobData, type TrainJobData } from './jobs.js';

type Viewer = Principal | null;

export interface AiCreateInput {
  name: string;
  description?: string;
  /** An uploaded dataset (CSV with a header); without one the model trains on ai-worker/data/AI_test.csv. */
  datasetCsv?: string | Buffer;
  /** Declared columns of the uploaded dataset (default: target `y`, every other column a feature). */
  features?: string[];
  target?: string;
}

export interface AiPatch {
  name?: string;
  description?: string;
  isVisible?: boolean;
  isAvailable?: boolean;
}

export interface AiListQuery {
  limit: number;
  cursor?: string;
  page?: number;
  status?: JobStatus;
}

export interface AiLogListQuery extends AiListQuery {
  /** Admins only: one member's logs. */
  userId?: number;
}

/** `{input: [x0, …]}` (one prediction) or `{inputs: [[…], …]}` (a batch). */
export interface PredictBody {
  input?: unknown;
  inputs?: unknown;
}

const aiSelect = {
  id: true,
  name: true,
  description: true,
  status: true,
  createdById: true,
  createDate: true,
  updateDate: true,
  startDate: true,
  finishDate: true,
  isVisible: true,
  isAvailable: true,
  jobId: true,
  metrics: true,
  error: true,
  version: true,
  artifactKey: true,
  datasetKey: true,
} as const;
type AiRow = Prisma.AiGetPayload<{ select: typeof aiSelect }>;

const logSelect = {
  id: true,
  aiId: true,
  userId: true,
  input: true,
  result: true,
  status: true,
  error: true,
  isFinished: true,
  jobId: true,
  resultDocId: true,
  createDate: true,
  updateDate: true,
  startDate: true,
  finishDate: true,
} as const;
type LogRow = Prisma.AiLogGetPayload<{ select: typeof logSelect }>;
export type AiLogView = LogRow;

export interface AiView {
  id: number;
  name: string;
  description: string;
  status: JobStatus;
  isVisible: boolean;
  isAvailable: boolean;
  version: number;
  /** Input columns in order, and the target (from the current artifact's metrics). */
  features: string[] | null;
  target: string | null;
  metrics: Record<string, unknown> | null;
  createDate: Date;
  updateDate: Date;
  startDate: Date | null;
  finishDate: Date | null;
  /** Admins only. */
  createdById?: number | null;
  jobId?: string | null;
  error?: string | null;
  artifactKey?: string | null;
  datasetKey?: string | null;
}

/** What a member sees of a model; admins see the whole row. */
function aiView(viewer: Viewer, row: AiRow): AiView {
  const metrics = row.metrics as Partial<Metrics> | null;
  const base = {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    isVisible: row.isVisible,
    isAvailable: row.isAvailable,
    version: row.version,
    features: metrics?.features ?? null,
    target: metrics?.target ?? null,
    metrics: row.metrics as Record<string, unknown> | null,
    createDate: row.createDate,
    updateDate: row.updateDate,
    startDate: row.startDate,
    finishDate: row.finishDate,
  };
  if (!isStaff(viewer)) return base;
  return { ...base, createdById: row.createdById, jobId: row.jobId, error: row.error, artifactKey: row.artifactKey, datasetKey: row.datasetKey };
}

const notFound = () => new NotFoundError('No such AI model.', 'ai_not_found');
const logNotFound = () => new NotFoundError('No such AI log.', 'ailog_not_found');
const field = (name: string, code: string, message: string): FieldError => ({ field: name, in: 'body', code, message });

interface Submission {
  row: { userId: number; aiId: number; input: number[] | number[][]; jobId: string };
  artifactKey: string;
  resolve: (log: LogRow) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit of new predictions: the rows of the requests that arrive while the previous batch is being
 * written are inserted in one transaction and their jobs added with one addBulk, so a burst of requests
 * costs one commit and one Redis round trip per batch instead of one each. A request alone goes at once.
 */
class PredictionSubmitter {
  private pending: Submission[] = [];
  private loop: Promise<void> | null = null;

  constructor(
    private readonly deps: AisDeps,
    private readonly maxBatch = 200,
  ) {}

  submit(row: Submission['row'], artifactKey: string): Promise<LogRow> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, artifactKey, resolve, reject });
      this.loop ??= (async () => {
        while (this.pending.length) await this.write(this.pending.splice(0, this.maxBatch));
        this.loop = null;
      })();
    });
  }

  private async write(batch: Submission[]): Promise<void> {
    const { prisma, logger } = this.deps;
    let rows: LogRow[];
    try {
      rows = await prisma.$transaction(batch.map((b) => prisma.aiLog.create({ data: { ...b.row, status: 'queued' }, select: logSelect })));
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    try {
      await this.deps.queues.get(queueNames.aiPredict).addBulk(
        rows.map((r, i) => {
          const data: PredictJobData = { aiLogId: r.id, aiId: r.aiId, userId: r.userId, artifactKey: batch[i].artifactKey, input: batch[i].row.input };
          return { name: jobNames.predict, data, opts: jobOptions(this.deps.config, batch[i].row.jobId) };
        }),
      );
    } catch (e) {
      logger.error({ err: e, predictions: rows.length }, 'could not enqueue predictions');
      const failed = { status: 'failed' as const, isFinished: true, error: 'The prediction could not be queued.', finishDate: new Date() };
      await prisma.aiLog.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: failed }).catch(() => undefined);
      for (const b of batch) b.reject(new ServiceUnavailableError('queue_unavailable', 'The job queue is not reachable; try again shortly.'));
      return;
    }
    rows.forEach((r, i) => batch[i].resolve(r));
  }
}

export interface AisDeps {
  prisma: Db;
  redis: Redis;
  queues: Queues;
  storage: Storage;
  audit: AuditLog;
  logger: Logger;
  config: Pick<Config, 'ai' | 'redisPrefix'>;
}

export class AisService {
  /** Completion events of predictions (for SSE streams); opens its Redis connection on first use. */
  readonly events: AiEventHub;
  private readonly prisma: Db;
  private readonly submissions: PredictionSubmitter;

  constructor(private readonly deps: AisDeps) {
    this.prisma = deps.prisma;
    this.events = new AiEventHub(deps.redis, deps.config.redisPrefix, deps.logger);
    this.submissions = new PredictionSubmitter(deps);
  }

  private requireAdmin(actor: Viewer): asserts actor is Principal {
    if (!isStaff(actor)) throw new ForbiddenError('forbidden', 'Only admins manage AI models.');
  }

  /** The model as the viewer may see it, or 404. */
  private async readable(viewer: Viewer, aiId: number): Promise<AiRow> {
    const row = await this.prisma.ai.findUnique({ where: { id: aiId }, select: aiSelect });
    if (!row || (!isStaff(viewer) && !(row.isVisible && row.isAvailable))) throw notFound();
    return row;
  }

  private nameTaken(e: unknown) {
    const app = toAppError(e);
    if (app?.status === 409) return new ConflictError('already_exists', 'An AI model with this name already exists.', ['name']);
    return app ?? e;
  }

  private async enqueueTrain(aiId: number, jobId: string, requestedBy: number): Promise<void> {
    const data: TrainJobData = { aiId, requestedBy };
    try {
      await this.deps.queues.get(queueNames.aiTrain).add(jobNames.train, data, jobOptions(this.deps.config, jobId));
    } catch (e) {
      this.deps.logger.error({ err: e, aiId }, 'could not enqueue a training job');
      await this.prisma.ai.updateMany({ where: { id: aiId, jobId }, data: { status: 'failed', error: 'The training job could not be queued.', finishDate: new Date() } }).catch(() => undefined);
      throw new ServiceUnavailableError('queue_unavailable', 'The job queue is not reachable; try again shortly.');
    }
  }

  /** Creates a model and queues its first training: 202 with status `queued` and the job id. */
  async create(actor: Viewer, input: AiCreateInput): Promise<AiView> {
    this.requireAdmin(actor);
    const { ai: limits } = this.deps.config;
    let csv: Buffer | null = null;
    let spec: { features: string[]; target: string } | null = null;
    if (input.datasetCsv !== undefined) {
      csv = Buffer.isBuffer(input.datasetCsv) ? input.datasetCsv : Buffer.from(input.datasetCsv, 'utf8');
      if (csv.length > limits.datasetMaxBytes) throw new ValidationError([field('dataset', 'dataset_too_large', `dataset must be at most ${limits.datasetMaxBytes} bytes`)]);
      try {
        const parsed = parseDataset(csv, { features: input.features, target: input.target, maxRows: limits.datasetMaxRows });
        spec = { features: parsed.features, target: parsed.target };
      } catch (e) {
        if (e instanceof DatasetError) throw new ValidationError([field('dataset', e.code, e.message)], `The dataset is not valid: ${e.message}`);
        throw e;
      }
    } else if (input.features !== undefined || input.target !== undefined) {
      throw new ValidationError([field(input.features !== undefined ? 'features' : 'target', 'dataset_required', 'declared columns need an uploaded dataset')]);
    }

    const created = await this.prisma.ai
      .create({ data: { name: input.name, description: input.description ?? '', createdById: actor.id, status: 'queued' }, select: { id: true } })
      .catch((e: unknown) => {
        throw this.nameTaken(e);
      });
    const jobId = trainJobId();
    let row: AiRow;
    try {
      let datasetKey: string | null = null;
      if (csv && spec) {
        await this.deps.storage.put(modelKeys.datasetSpec(created.id), Buffer.from(JSON.stringify(spec)));
        datasetKey = (await this.deps.storage.put(modelKeys.dataset(created.id), csv)).key;
      }
      row = await this.prisma.ai.update({ where: { id: created.id }, data: { jobId, datasetKey }, select: aiSelect });
    } catch (e) {
      // nothing half-made is left: no row without its dataset
      await this.prisma.ai.deleteMany({ where: { id: created.id } }).catch(() => undefined);
      await this.deleteFiles(created.id, 0);
      throw e;
    }
    await this.enqueueTrain(row.id, jobId, actor.id);
    await this.deps.audit.record({ actor: { id: actor.id }, action: 'ai.created', target: { type: 'ai', id: row.id }, details: { name: row.name, jobId, dataset: row.datasetKey ? 'uploaded' : 'default' } });
    return aiView(actor, row);
  }

  /** Queues a new training of the model (its uploaded dataset, or the default one). 409 while one is queued or running. */
  async train(actor: Viewer, aiId: number): Promise<AiView> {
    this.requireAdmin(actor);
    const jobId = trainJobId();
    const { count } = await this.prisma.ai.updateMany({
      where: { id: aiId, status: { notIn: ['queued', 'running'] } },
      data: { status: 'queued', jobId, error: null, startDate: null, finishDate: null },
    });
    if (!count) {
      if (!(await this.prisma.ai.count({ where: { id: aiId } }))) throw notFound();
      throw new AppError(409, 'ai_training_in_progress', 'This model is already queued for training or training.');
    }
    await this.enqueueTrain(aiId, jobId, actor.id);
    await this.deps.audit.record({ actor: { id: actor.id }, action: 'ai.train_requested', target: { type: 'ai', id: aiId }, details: { jobId } });
    return aiView(actor, await this.readable(actor, aiId));
  }

  async update(actor: Viewer, aiId: number, patch: AiPatch): Promise<AiView> {
    this.requireAdmin(actor);
    const before = await this.prisma.ai.findUnique({ where: { id: aiId }, select: { version: true } });
    if (!before) throw notFound();
    if (patch.isAvailable === true && before.version === 0) throw new AppError(409, 'ai_not_trained', 'The model has no trained artifact yet: it cannot be made available.', { errors: [field('isAvailable', 'ai_not_trained', 'isAvailable needs a trained model')] });
    const row = await this.prisma.ai
      .update({
        where: { id: aiId },
        data: {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.isVisible !== undefined ? { isVisible: patch.isVisible } : {}),
          ...(patch.isAvailable !== undefined ? { isAvailable: patch.isAvailable } : {}),
        },
        select: aiSelect,
      })
      .catch((e: unknown) => {
        throw this.nameTaken(e);
      });
    await this.deps.audit.record({ actor: { id: actor.id }, action: 'ai.changed', target: { type: 'ai', id: aiId }, details: { patch: { ...patch } } });
    return aiView(actor, row);
  }

  private async deleteFiles(aiId: number, version: number): Promise<void> {
    const { storage } = this.deps;
    // +1: an artifact a training in flight may write right now (the worker also removes it when it finds no row)
    const keys = [modelKeys.dataset(aiId), modelKeys.datasetSpec(aiId)];
    for (let v = 1; v <= version + 1; v++) keys.push(modelKeys.artifact(aiId, v));
    await Promise.all(keys.map((k) => storage.delete(k).catch((e: unknown) => this.deps.logger.warn({ err: e, key: k }, 'could not delete a model file'))));
  }

  /** Best-effort removal of waiting/delayed jobs (an active job is locked: the worker finds no row and drops it). */
  private async cancelJobs(queue: typeof queueNames.aiTrain | typeof queueNames.aiPredict, jobIds: (string | null)[]): Promise<number> {
    const q = this.deps.queues.get(queue);
    const cancel = async (id: string) => {
      // Queue.remove answers 1 for a job that does not exist too: count only jobs that were really waiting
      const state = await q.getJobState(id);
      if (state === 'unknown' || state === 'active' || state === 'completed' || state === 'failed') return false;
      return (await q.remove(id)) === 1;
    };
    const results = await Promise.allSettled(jobIds.filter((id): id is string => !!id).map(cancel));
    return results.filter((r) => r.status === 'fulfilled' && r.value).length;
  }

  /** Deletes the model, its logs, its queued jobs and its files. */
  async remove(actor: Viewer, aiId: number): Promise<void> {
    this.requireAdmin(actor);
    const ai = await this.prisma.ai.findUnique({ where: { id: aiId }, select: { jobId: true, version: true, name: true } });
    if (!ai) throw notFound();
    const pending = await this.prisma.aiLog.findMany({ where: { aiId, isFinished: false }, select: { jobId: true } });
    const gone = await this.prisma.ai.deleteMany({ where: { id: aiId } });
    if (!gone.count) throw notFound();
    const [train, predict] = await Promise.all([this.cancelJobs(queueNames.aiTrain, [ai.jobId]), this.cancelJobs(queueNames.aiPredict, pending.map((l) => l.jobId))]);
    await this.deleteFiles(aiId, ai.version);
    await this.deps.audit.record({ actor: { id: actor.id }, action: 'ai.deleted', target: { type: 'ai', id: aiId }, details: { name: ai.name, cancelledJobs: train + predict } });
  }

  private pageArgs(query: AiListQuery): { where: { id?: { lt: number } }; skip: number } {
    if (query.cursor) {
      const [id] = decodeKey(query.cursor, ['number']) as [number];
      return { where: { id: { lt: id } }, skip: 0 };
    }
    return { where: {}, skip: query.page ? (query.page - 1) * query.limit : 0 };
  }

  private page<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeKey([last.id]) : null };
  }

  /** Newest first; members see visible, available models only. */
  async list(viewer: Viewer, query: AiListQuery): Promise<Page<AiView>> {
    const { where, skip } = this.pageArgs(query);
    const rows = await this.prisma.ai.findMany({
      where: { ...where, ...(query.status ? { status: query.status } : {}), ...(isStaff(viewer) ? {} : { isVisible: true, isAvailable: true }) },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
      skip,
      select: aiSelect,
    });
    const { items, nextCursor } = this.page(rows, query.limit);
    return { items: items.map((r) => aiView(viewer, r)), nextCursor };
  }

  async get(viewer: Viewer, aiId: number): Promise<AiView> {
    return aiView(viewer, await this.readable(viewer, aiId));
  }

  /** Checks `{input}` or `{inputs}` against the model's features and the batch limit. */
  private checkBody(body: PredictBody, features: number): number[] | number[][] {
    const hasOne = body.input !== undefined;
    const hasMany = body.inputs !== undefined;
    if (hasOne === hasMany) {
      const msg = 'give either input (one row) or inputs (a batch of rows)';
      throw new ValidationError([field('input', hasOne ? 'input_conflict' : 'input_required', msg)]);
    }
    try {
      if (hasOne) {
        checkInput(features, body.input);
        return body.input;
      }
      const rows = body.inputs;
      if (!Array.isArray(rows) || rows.length === 0) throw new ValidationError([field('inputs', 'input_length', 'inputs must be a non-empty array of rows')]);
      const limit = this.deps.config.ai.batchLimit;
      if (rows.length > limit) throw new ValidationError([field('inputs', 'batch_too_large', `inputs may hold at most ${limit} rows (AI_BATCH_LIMIT)`)]);
      rows.forEach((row, i) => checkInput(features, row, i));
      return rows as number[][];
    } catch (e) {
      if (e instanceof InputError) throw new ValidationError([field(e.index === undefined ? 'input' : `inputs.${e.index}`, e.code, e.message)]);
      throw e;
    }
  }

  private async requirePredictable(viewer: Principal, aiId: number): Promise<{ artifactKey: string; features: number }> {
    const ai = await this.readable(viewer, aiId);
    const features = (ai.metrics as Partial<Metrics> | null)?.features?.length;
    if (!ai.isAvailable || !ai.artifactKey || !features) throw new AppError(409, 'ai_not_available', 'This model is not available for predictions (not trained yet, or disabled).');
    return { artifactKey: ai.artifactKey, features };
  }

  private async enqueuePredict(log: { id: number; aiId: number; userId: number; jobId: string }, artifactKey: string, input: number[] | number[][]): Promise<void> {
    const data: PredictJobData = { aiLogId: log.id, aiId: log.aiId, userId: log.userId, artifactKey, input };
    try {
      await this.deps.queues.get(queueNames.aiPredict).add(jobNames.predict, data, jobOptions(this.deps.config, log.jobId));
    } catch (e) {
      this.deps.logger.error({ err: e, aiLogId: log.id }, 'could not enqueue a prediction');
      await this.prisma.aiLog
        .updateMany({ where: { id: log.id, jobId: log.jobId }, data: { status: 'failed', isFinished: true, error: 'The prediction could not be queued.', finishDate: new Date() } })
        .catch(() => undefined);
      throw new ServiceUnavailableError('queue_unavailable', 'The job queue is not reachable; try again shortly.');
    }
  }

  /** Queues a prediction (or a batch): 202 with the AiLog in status `queued`. */
  async predict(viewer: Viewer, aiId: number, body: PredictBody): Promise<AiLogView> {
    if (!viewer) throw new ForbiddenError('forbidden', 'Sign in to ask for predictions.');
    const { artifactKey, features } = await this.requirePredictable(viewer, aiId);
    const input = this.checkBody(body, features);
    return this.submissions.submit({ userId: viewer.id, aiId, input, jobId: predictJobId() }, artifactKey);
  }

  /** A model's logs, newest first: the viewer's own, or (admins) everyone's or one member's. */
  async listLogs(viewer: Viewer, aiId: number, query: AiLogListQuery): Promise<Page<AiLogView>> {
    if (!viewer) throw new ForbiddenError();
    await this.readable(viewer, aiId);
    const staff = isStaff(viewer);
    if (!staff && query.userId !== undefined && query.userId !== viewer.id) throw new ForbiddenError('forbidden', 'Only admins may list other members’ logs.');
    const { where, skip } = this.pageArgs(query);
    const rows = await this.prisma.aiLog.findMany({
      where: { aiId, ...where, ...(query.status ? { status: query.status } : {}), ...(staff ? (query.userId !== undefined ? { userId: query.userId } : {}) : { userId: viewer.id }) },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
      skip,
      select: logSelect,
    });
    return this.page(rows, query.limit);
  }

  /** The log of its owner, or of anyone for admins; 404 otherwise. */
  async getLog(viewer: Viewer, id: number): Promise<AiLogView> {
    const log = await this.prisma.aiLog.findUnique({ where: { id }, select: logSelect });
    if (!log || !viewer || (!isStaff(viewer) && log.userId !== viewer.id)) throw logNotFound();
    return log;
  }

  /** Asks again with a new input: the log goes back to `queued` (409 while its current job is running). */
  async updateLog(viewer: Viewer, id: number, body: PredictBody): Promise<AiLogView> {
    const log = await this.getLog(viewer, id);
    const running = () => new AppError(409, 'ailog_running', 'This prediction is running; try again once it has finished.');
    if (log.status === 'running') throw running();
    const { artifactKey, features } = await this.requirePredictable(viewer!, log.aiId);
    const input = this.checkBody(body, features);
    if (!log.isFinished && log.jobId) {
      await this.cancelJobs(queueNames.aiPredict, [log.jobId]);
      if ((await this.deps.queues.get(queueNames.aiPredict).getJobState(log.jobId)) === 'active') throw running();
    }
    const jobId = predictJobId();
    const { count } = await this.prisma.aiLog.updateMany({
      where: { id, jobId: log.jobId, status: { not: 'running' } },
      data: { input, result: Prisma.DbNull, status: 'queued', error: null, isFinished: false, startDate: null, finishDate: null, jobId, resultDocId: null },
    });
    if (!count) throw running();
    await this.enqueuePredict({ id, aiId: log.aiId, userId: log.userId, jobId }, artifactKey, input);
    return this.getLog(viewer, id);
  }

  async removeLog(viewer: Viewer, id: number): Promise<void> {
    const log = await this.getLog(viewer, id);
    if (!log.isFinished) await this.cancelJobs(queueNames.aiPredict, [log.jobId]);
    await this.prisma.aiLog.deleteMany({ where: { id } });
  }

  /** Jobs waiting (queued, delayed, prioritized) and running, over both AI queues. */
  async jobCounts(): Promise<{ queued: number; running: number }> {
    const counts = await Promise.all(
      [queueNames.aiTrain, queueNames.aiPredict].map((n) => this.deps.queues.get(n).getJobCounts('wait', 'delayed', 'prioritized', 'active')),
    );
    let queued = 0;
    let running = 0;
    for (const c of counts) {
      queued += (c.wait ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
      running += c.active ?? 0;
    }
    return { queued, running };
  }

  async close(): Promise<void> {
    await this.events.close();
  }
}
