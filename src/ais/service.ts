// AI models: the rules, shared by the REST API and the admin panel. Training and predicting are jobs on the
// ai-train / ai-predict queues, run by ai-worker/; this service validates, writes the rows, enqueues, cancels,
// and reads back what the worker wrote. Admins manage models; members see only visible and available ones
// (others do not exist for them). Predictions live in predictions.ts, the job states in states.ts.
import type { AuditLog } from '../audit/service.js';
import { access, type Viewer } from '../access/index.js';
import type { Config } from '../config.js';
import { ConflictError, ValidationError } from '../errors.js';
import { toAppError } from '../platform/known-errors.js';
import { keysetPage, type Page } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import { queueNames, type Queues } from '../platform/queue.js';
import type { Redis } from '../platform/redis.js';
import type { Storage } from '../platform/storage.js';
import { cancelJobs, enqueueTraining } from './enqueue.js';
import { AiEventHub } from './events.js';
import { modelKeys, trainJobId } from './jobs.js';
import { DatasetError, parseDataset } from './model.js';
import { AiPredictions, type PredictBody } from './predictions.js';
import { AiJobRecovery, type AiRecoveryOptions } from './recovery.js';
import { aiNewFields, aiPatchBody } from './schemas.js';
import { trainingStates } from './states.js';
import { aiSelect, aiView, field, notFound, pageArgs, readableModel, type AiListQuery, type AiLogListQuery, type AiLogView, type AiRow, type AiView } from './views.js';

export type { AiListQuery, AiLogListQuery, AiLogView, AiView, PredictBody };

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

const validateNew = compile(aiNewFields, false);
const validatePatch = compile(aiPatchBody, false);

export interface AisDeps {
  prisma: Db;
  redis: Redis;
  queues: Queues;
  storage: Storage;
  audit: AuditLog;
  logger: Logger;
  config: Pick<Config, 'ai' | 'redisPrefix' | 'redisUrl'>;
}

export class AisService {
  /** Completion events of predictions (for SSE streams); opens its Redis connection on first use. */
  readonly events: AiEventHub;
  /** Predictions (AiLog rows); the methods below of the same names hand over to it. */
  readonly predictions: AiPredictions;
  private readonly prisma: Db;

  constructor(private readonly deps: AisDeps) {
    this.prisma = deps.prisma;
    this.events = new AiEventHub(deps.redis, deps.config.redisPrefix, deps.logger);
    this.predictions = new AiPredictions(deps);
  }

  /** Records, on their rows, the AI jobs that end failed however they got there (recovery.ts); the api and the worker run one each. */
  recovery(opts?: AiRecoveryOptions): AiJobRecovery {
    return new AiJobRecovery(this.deps, opts);
  }

  private nameTaken(e: unknown) {
    const app = toAppError(e);
    if (app?.kind === 'conflict') return new ConflictError('already_exists', 'An AI model with this name already exists.', { fields: ['name'] });
    return app ?? e;
  }

  /** Creates a model and queues its first training: 202 with status `queued` and the job id. */
  async create(viewer: Viewer | null, input: AiCreateInput): Promise<AiView> {
    access.require(viewer, 'ai.manage');
    const fields = {
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.features !== undefined ? { features: input.features } : {}),
      ...(input.target !== undefined ? { target: input.target } : {}),
    };
    if (!validateNew(fields)) throw ValidationError.of(fieldErrors(validateNew.errors, 'body'));
    const { ai: limits } = this.deps.config;
    let csv: Buffer | null = null;
    let spec: { features: string[]; target: string } | null = null;
    if (input.datasetCsv !== undefined) {
      csv = Buffer.isBuffer(input.datasetCsv) ? input.datasetCsv : Buffer.from(input.datasetCsv, 'utf8');
      if (csv.length > limits.datasetMaxBytes) throw ValidationError.of([field('dataset', 'dataset_too_large', `dataset must be at most ${limits.datasetMaxBytes} bytes`)]);
      try {
        const parsed = parseDataset(csv, { features: input.features, target: input.target, maxRows: limits.datasetMaxRows });
        spec = { features: parsed.features, target: parsed.target };
      } catch (e) {
        if (e instanceof DatasetError) throw ValidationError.of([field('dataset', e.code, e.message)], `The dataset is not valid: ${e.message}`);
        throw e;
      }
    } else if (input.features !== undefined || input.target !== undefined) {
      throw ValidationError.of([field(input.features !== undefined ? 'features' : 'target', 'dataset_required', 'declared columns need an uploaded dataset')]);
    }

    const created = await this.prisma.ai
      .create({ data: { name: input.name, description: input.description ?? '', createdById: viewer.id, status: trainingStates.created }, select: { id: true } })
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
    await enqueueTraining(this.deps, row.id, jobId, viewer.id);
    await this.deps.audit.record({
      actor: { id: viewer.id },
      action: 'ai.created',
      target: { type: 'ai', id: row.id },
      details: { name: row.name, jobId, dataset: row.datasetKey ? 'uploaded' : 'default' },
    });
    return aiView(viewer, row);
  }

  /** Queues a new training of the model (its uploaded dataset, or the default one). 409 while one is queued or running. */
  async train(viewer: Viewer | null, aiId: number): Promise<AiView> {
    access.require(viewer, 'ai.manage');
    const jobId = trainJobId();
    if (!(await trainingStates.queue(this.prisma, aiId, jobId))) {
      if (!(await this.prisma.ai.count({ where: { id: aiId } }))) throw notFound();
      throw new ConflictError('ai_training_in_progress', 'This model is already queued for training or training.');
    }
    // the answer is the model as queued: read before the job is handed over, a worker may start it at once
    const queued = aiView(viewer, await readableModel(this.prisma, viewer, aiId));
    await enqueueTraining(this.deps, aiId, jobId, viewer.id);
    await this.deps.audit.record({ actor: { id: viewer.id }, action: 'ai.train_requested', target: { type: 'ai', id: aiId }, details: { jobId } });
    return queued;
  }

  async update(viewer: Viewer | null, aiId: number, patch: AiPatch): Promise<AiView> {
    access.require(viewer, 'ai.manage');
    if (!validatePatch(patch)) throw ValidationError.of(fieldErrors(validatePatch.errors, 'body'));
    const before = await this.prisma.ai.findUnique({ where: { id: aiId }, select: { version: true } });
    if (!before) throw notFound();
    if (patch.isAvailable === true && before.version === 0)
      throw new ConflictError('ai_not_trained', 'The model has no trained artifact yet: it cannot be made available.', {
        errors: [field('isAvailable', 'ai_not_trained', 'isAvailable needs a trained model')],
      });
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
    await this.deps.audit.record({ actor: { id: viewer.id }, action: 'ai.changed', target: { type: 'ai', id: aiId }, details: { patch: { ...patch } } });
    return aiView(viewer, row);
  }

  private async deleteFiles(aiId: number, version: number): Promise<void> {
    const { storage } = this.deps;
    // +1: an artifact a training in flight may write right now (the worker also removes it when it finds no row)
    const keys = [modelKeys.dataset(aiId), modelKeys.datasetSpec(aiId)];
    for (let v = 1; v <= version + 1; v++) keys.push(modelKeys.artifact(aiId, v));
    await Promise.all(keys.map((k) => storage.delete(k).catch((e: unknown) => this.deps.logger.warn({ err: e, key: k }, 'could not delete a model file'))));
  }

  /** Deletes the model, its logs, its queued jobs and its files. */
  async remove(viewer: Viewer | null, aiId: number): Promise<void> {
    access.require(viewer, 'ai.manage');
    const ai = await this.prisma.ai.findUnique({ where: { id: aiId }, select: { jobId: true, version: true, name: true } });
    if (!ai) throw notFound();
    const pending = await this.prisma.aiLog.findMany({ where: { aiId, isFinished: false }, select: { jobId: true } });
    const gone = await this.prisma.ai.deleteMany({ where: { id: aiId } });
    if (!gone.count) throw notFound();
    const [train, predict] = await Promise.all([
      cancelJobs(this.deps.queues, queueNames.aiTrain, [ai.jobId]),
      cancelJobs(
        this.deps.queues,
        queueNames.aiPredict,
        pending.map((l) => l.jobId),
      ),
    ]);
    await this.deleteFiles(aiId, ai.version);
    await this.deps.audit.record({ actor: { id: viewer.id }, action: 'ai.deleted', target: { type: 'ai', id: aiId }, details: { name: ai.name, cancelledJobs: train + predict } });
  }

  /** Newest first; members see visible, available models only. */
  async list(viewer: Viewer | null, query: AiListQuery): Promise<Page<AiView>> {
    const { where, skip } = pageArgs(query);
    const rows = await this.prisma.ai.findMany({
      where: { ...where, ...(query.status ? { status: query.status } : {}), ...(access.can(viewer, 'ai.manage') ? {} : { isVisible: true, isAvailable: true }) },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
      skip,
      select: aiSelect,
    });
    const { items, nextCursor } = keysetPage(rows, query.limit, (last) => [last.id]);
    return { items: items.map((r) => aiView(viewer, r)), nextCursor };
  }

  async get(viewer: Viewer | null, aiId: number): Promise<AiView> {
    return aiView(viewer, await readableModel(this.prisma, viewer, aiId));
  }

  /** Queues a prediction (or a batch): 202 with the AiLog in status `queued`. */
  predict(viewer: Viewer | null, aiId: number, body: PredictBody): Promise<AiLogView> {
    return this.predictions.predict(viewer, aiId, body);
  }

  listLogs(viewer: Viewer | null, aiId: number, query: AiLogListQuery): Promise<Page<AiLogView>> {
    return this.predictions.listLogs(viewer, aiId, query);
  }

  /** One member's logs over every model the viewer may read, newest first. */
  logsOf(viewer: Viewer, userId: number, limit: number) {
    return this.predictions.logsOf(viewer, userId, limit);
  }

  getLog(viewer: Viewer | null, id: number): Promise<AiLogView> {
    return this.predictions.getLog(viewer, id);
  }

  updateLog(viewer: Viewer | null, id: number, body: PredictBody): Promise<AiLogView> {
    return this.predictions.updateLog(viewer, id, body);
  }

  removeLog(viewer: Viewer | null, id: number): Promise<void> {
    return this.predictions.removeLog(viewer, id);
  }

  /** Jobs waiting (queued, delayed, prioritized) and running, over both AI queues. */
  async jobCounts(): Promise<{ queued: number; running: number }> {
    const counts = await Promise.all([queueNames.aiTrain, queueNames.aiPredict].map((n) => this.deps.queues.get(n).getJobCounts('wait', 'delayed', 'prioritized', 'active')));
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
