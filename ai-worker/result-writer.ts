// Group commit of prediction states (src/platform/group-commit.ts). Each job hands its "running" mark and its
// final state to the writer, which writes whatever has gathered in one transaction while the previous one
// commits: one job alone is written at the end of the turn, fifty concurrent jobs share one commit. A job's promise settles only after its row is
// committed, so BullMQ removes a job (removeOnComplete) only once its result is durable. The states are the
// state machine's (src/ais/states.ts); after each commit its completion events go out in one Redis pipeline.
import type { Context } from '../src/context.js';
import { GroupCommit } from '../src/platform/group-commit.js';
import type { JobStatus } from '../src/ais/jobs.js';
import { predictionStates, type PredictionOutcome } from '../src/ais/states.js';
import type { ResultArchive, ResultDoc } from './archive.js';

export interface FinalState {
  aiLogId: number;
  aiId: number;
  userId: number;
  /** The row is written only while it still belongs to this job (not deleted, not asked again meanwhile). */
  jobId: string;
  status: Extract<JobStatus, 'succeeded' | 'failed'>;
  result?: number | number[];
  error?: string;
  /** For the archive document. */
  input?: unknown;
  artifactKey?: string;
}

type Op = { kind: 'running'; aiLogId: number; jobId: string; at: Date } | { kind: 'final'; state: FinalState; at: Date };

export class ResultWriter {
  /** Per op: true once written (a final state: false if the row was gone or belongs to another job). */
  private readonly batches: GroupCommit<Op, boolean>;

  constructor(
    private readonly ctx: Pick<Context, 'prisma' | 'redis' | 'logger' | 'config' | 'audit'>,
    private readonly archive: ResultArchive | null,
    maxBatch = 500,
  ) {
    this.batches = new GroupCommit((batch) => this.write(batch), { maxBatch, intervalMs: 0 });
  }

  /** Marks a queued row of this job running (written with the next batch; not awaited). */
  running(aiLogId: number, jobId: string): void {
    // a failed batch: the job's final state fails with it, and BullMQ retries the job
    this.batches.add({ kind: 'running', aiLogId, jobId, at: new Date() }).catch(() => undefined);
  }

  /** Writes a final state; resolves true once committed (false: the row was gone or belongs to another job). */
  finish(state: FinalState): Promise<boolean> {
    return this.batches.add({ kind: 'final', state, at: new Date() });
  }

  /** Settles once everything handed over so far is written. */
  drain(): Promise<void> {
    return this.batches.flush();
  }

  private async archiveIds(finals: Extract<Op, { kind: 'final' }>[]): Promise<Map<number, string>> {
    const ids = new Map<number, string>();
    const ok = finals.filter((f) => f.state.status === 'succeeded' && f.state.result !== undefined);
    if (!this.archive || !ok.length) return ids;
    const docs: ResultDoc[] = ok.map((f) => ({
      aiLogId: f.state.aiLogId,
      aiId: f.state.aiId,
      userId: f.state.userId,
      artifactKey: f.state.artifactKey ?? '',
      input: f.state.input,
      result: f.state.result,
      at: f.at,
    }));
    try {
      const stored = await this.archive.store(docs);
      ok.forEach((f, i) => ids.set(f.state.aiLogId, stored[i]));
    } catch (err) {
      // the result is kept in SQL regardless: MongoDB is the archive, not the record
      this.ctx.logger.warn({ err: (err as Error).message, results: docs.length }, 'MongoDB did not take AI results; they are kept in SQL only');
    }
    return ids;
  }

  /** One transaction for the batch; if it fails, nothing of it is written: each job fails and BullMQ retries it. */
  private async write(batch: Op[]): Promise<boolean[]> {
    const { prisma } = this.ctx;
    const runs = batch.filter((o) => o.kind === 'running');
    const running = runs.map((o) => ({ id: o.aiLogId, jobId: o.jobId }));
    // one start date for the batch: the earliest mark's, so that no row starts after it finished (a job's running
    // mark and final state may share a batch)
    const startedAt = new Date(Math.min(...runs.map((o) => o.at.getTime()), Date.now()));
    const finals = batch.filter((o): o is Extract<Op, { kind: 'final' }> => o.kind === 'final');
    const docIds = await this.archiveIds(finals);
    const outcomes: PredictionOutcome[] = finals.map(({ state }) => ({
      id: state.aiLogId,
      aiId: state.aiId,
      userId: state.userId,
      jobId: state.jobId,
      status: state.status,
      result: state.result,
      error: state.error,
      resultDocId: docIds.get(state.aiLogId) ?? null,
    }));
    const results = await prisma.$transaction([predictionStates.running(prisma, running, startedAt), ...outcomes.map((o, i) => predictionStates.finish(prisma, o, finals[i].at))]);
    const counts = results.slice(1).map((r) => r.count);
    const written = outcomes.filter((_, i) => counts[i] > 0);
    await predictionStates.finished(this.ctx, written).catch((err: unknown) => this.ctx.logger.warn({ err, results: written.length }, 'could not record or publish finished predictions'));
    let final = 0; // `finals` keeps the batch's order
    return batch.map((o) => o.kind === 'running' || counts[final++] > 0);
  }
}
