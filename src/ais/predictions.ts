// Predictions (AiLog rows): any signed-in member, on a model they can see that has a trained artifact. A member
// sees their own logs, admins everyone's. The service validates, writes the row, queues the job and reads back
// what the worker wrote; the states themselves are written by states.ts.
import { access, type Viewer } from '../access/index.js';
import { ConflictError, ValidationError } from '../errors.js';
import { keysetPage, type Page } from '../http/pagination.js';
import { GroupCommit } from '../platform/group-commit.js';
import { queueNames } from '../platform/queue.js';
import { cancelJobs, enqueuePredictions, type QueueDeps } from './enqueue.js';
import { predictJobId } from './jobs.js';
import { InputError, checkInput, type Metrics } from './model.js';
import { predictionStates } from './states.js';
import { field, logNotFound, logSelect, pageArgs, readableModel, type AiLogListQuery, type AiLogView, type LogRow } from './views.js';

/** `{input: [x0, …]}` (one prediction) or `{inputs: [[…], …]}` (a batch). */
export interface PredictBody {
  input?: unknown;
  inputs?: unknown;
}

interface Submission {
  row: { userId: number; aiId: number; input: number[] | number[][]; jobId: string };
  artifactKey: string;
}

/**
 * Group commit of new predictions (src/platform/group-commit.ts): the rows of the requests that arrive while the
 * previous batch is being written are inserted in one transaction and their jobs added with one addBulk, so a
 * burst of requests costs one commit and one Redis round trip per batch instead of one each. A request alone
 * goes at the end of the turn. If either step fails, every request of the batch fails with it.
 */
function predictionSubmitter(deps: QueueDeps, maxBatch = 200): GroupCommit<Submission, LogRow> {
  return new GroupCommit<Submission, LogRow>(
    async (batch) => {
      const { prisma } = deps;
      const rows = await prisma.$transaction(batch.map((b) => prisma.aiLog.create({ data: { ...b.row, status: predictionStates.created }, select: logSelect })));
      await enqueuePredictions(
        deps,
        rows.map((r, i) => ({ ref: { id: r.id, aiId: r.aiId, userId: r.userId, jobId: batch[i].row.jobId }, artifactKey: batch[i].artifactKey, input: batch[i].row.input })),
      );
      return rows;
    },
    { maxBatch, intervalMs: 0 },
  );
}

export class AiPredictions {
  private readonly submissions: GroupCommit<Submission, LogRow>;

  constructor(private readonly deps: QueueDeps) {
    this.submissions = predictionSubmitter(deps);
  }

  /** Checks `{input}` or `{inputs}` against the model's features and the batch limit. */
  private checkBody(body: PredictBody, features: number): number[] | number[][] {
    const hasOne = body.input !== undefined;
    const hasMany = body.inputs !== undefined;
    if (hasOne === hasMany) {
      const msg = 'give either input (one row) or inputs (a batch of rows)';
      throw ValidationError.of([field('input', hasOne ? 'input_conflict' : 'input_required', msg)]);
    }
    try {
      if (hasOne) {
        checkInput(features, body.input);
        return body.input;
      }
      const rows = body.inputs;
      if (!Array.isArray(rows) || rows.length === 0) throw ValidationError.of([field('inputs', 'input_length', 'inputs must be a non-empty array of rows')]);
      const limit = this.deps.config.ai.batchLimit;
      if (rows.length > limit) throw ValidationError.of([field('inputs', 'batch_too_large', `inputs may hold at most ${limit} rows (AI_BATCH_LIMIT)`)]);
      rows.forEach((row, i) => checkInput(features, row, i));
      return rows as number[][];
    } catch (e) {
      if (e instanceof InputError) throw ValidationError.of([field(e.index === undefined ? 'input' : `inputs.${e.index}`, e.code, e.message)]);
      throw e;
    }
  }

  private async requirePredictable(viewer: Viewer | null, aiId: number): Promise<{ artifactKey: string; features: number }> {
    const ai = await readableModel(this.deps.prisma, viewer, aiId);
    const features = (ai.metrics as Partial<Metrics> | null)?.features?.length;
    if (!ai.isAvailable || !ai.artifactKey || !features) throw new ConflictError('ai_not_available', 'This model is not available for predictions (not trained yet, or disabled).');
    return { artifactKey: ai.artifactKey, features };
  }

  /** Queues a prediction (or a batch): 202 with the AiLog in status `queued`. */
  async predict(viewer: Viewer | null, aiId: number, body: PredictBody): Promise<AiLogView> {
    access.require(viewer, 'ai.use');
    const { artifactKey, features } = await this.requirePredictable(viewer, aiId);
    const input = this.checkBody(body, features);
    return this.submissions.add({ row: { userId: viewer.id, aiId, input, jobId: predictJobId() }, artifactKey });
  }

  /** A model's logs, newest first: the viewer's own, or (admins) everyone's or one member's. */
  async listLogs(viewer: Viewer | null, aiId: number, query: AiLogListQuery): Promise<Page<AiLogView>> {
    access.require(viewer, 'aiLog.list');
    await readableModel(this.deps.prisma, viewer, aiId);
    // no userId: everyone's logs for those who may list them, else one's own
    const userId = query.userId ?? (access.can(viewer, 'aiLog.list', {}) ? undefined : viewer.id);
    access.require(viewer, 'aiLog.list', { userId });
    const { where, skip } = pageArgs(query);
    const rows = await this.deps.prisma.aiLog.findMany({
      where: { aiId, ...where, ...(query.status ? { status: query.status } : {}), ...(userId !== undefined ? { userId } : {}) },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
      skip,
      select: logSelect,
    });
    return keysetPage(rows, query.limit, (last) => [last.id]);
  }

  /** One member's logs over every model the viewer may read, newest first (admins, or the member themself). */
  async logsOf(viewer: Viewer, userId: number, limit: number) {
    access.require(viewer, 'aiLog.list', { userId });
    const rows = await this.deps.prisma.aiLog.findMany({
      where: { userId },
      orderBy: { id: 'desc' },
      take: limit,
      select: { ...logSelect, ai: { select: { name: true, isVisible: true, isAvailable: true } } },
    });
    return rows.filter((r) => access.can(viewer, 'ai.read', r.ai));
  }

  /** The log of its owner, or of anyone for admins; 404 otherwise. */
  async getLog(viewer: Viewer | null, id: number): Promise<AiLogView> {
    const log = await this.deps.prisma.aiLog.findUnique({ where: { id }, select: logSelect });
    if (!log) throw logNotFound();
    access.require(viewer, 'aiLog.read', log);
    return log;
  }

  /** Asks again with a new input: the log goes back to `queued` (409 while its current job is running). */
  async updateLog(viewer: Viewer | null, id: number, body: PredictBody): Promise<AiLogView> {
    const log = await this.getLog(viewer, id);
    const running = () => new ConflictError('ailog_running', 'This prediction is running; try again once it has finished.');
    if (log.status === 'running') throw running();
    const { artifactKey, features } = await this.requirePredictable(viewer, log.aiId);
    const input = this.checkBody(body, features);
    if (!log.isFinished && log.jobId) {
      await cancelJobs(this.deps.queues, queueNames.aiPredict, [log.jobId]);
      if ((await this.deps.queues.get(queueNames.aiPredict).getJobState(log.jobId)) === 'active') throw running();
    }
    const jobId = predictJobId();
    if (!(await predictionStates.queueAgain(this.deps.prisma, id, log.jobId, jobId, input))) throw running();
    // the answer is the log as queued: read before the job is handed over, a worker may start it at once
    const queued = await this.getLog(viewer, id);
    await enqueuePredictions(this.deps, [{ ref: { id, aiId: log.aiId, userId: log.userId, jobId }, artifactKey, input }]);
    return queued;
  }

  async removeLog(viewer: Viewer | null, id: number): Promise<void> {
    const log = await this.getLog(viewer, id);
    if (!log.isFinished) await cancelJobs(this.deps.queues, queueNames.aiPredict, [log.jobId]);
    await this.deps.prisma.aiLog.deleteMany({ where: { id } });
  }
}
