// Group commit of prediction states. Each job hands its "running" mark and its final state to the writer,
// which writes whatever has gathered in one transaction while the previous one commits: one job alone is
// written at once, fifty concurrent jobs share one commit. A job's promise settles only after its row is
// committed, so BullMQ removes a job (removeOnComplete) only once its result is durable. The states are the
// state machine's (src/ais/states.ts); after each commit its completion events go out in one Redis pipeline.
import type { Context } from '../src/context.js';
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

type Op = { kind: 'running'; aiLogId: number; jobId: string; at: Date } | { kind: 'final'; state: FinalState; at: Date; resolve: (written: boolean) => void; reject: (e: unknown) => void };

export class ResultWriter {
  private pending: Op[] = [];
  private loop: Promise<void> | null = null;

  constructor(
    private readonly ctx: Pick<Context, 'prisma' | 'redis' | 'logger' | 'config' | 'audit'>,
    private readonly archive: ResultArchive | null,
    private readonly maxBatch = 500,
  ) {}

  /** Marks a queued row of this job running (written with the next batch; not awaited). */
  running(aiLogId: number, jobId: string): void {
    this.pending.push({ kind: 'running', aiLogId, jobId, at: new Date() });
    this.kick();
  }

  /** Writes a final state; resolves true once committed (false: the row was gone or belongs to another job). */
  finish(state: FinalState): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ kind: 'final', state, at: new Date(), resolve, reject });
      this.kick();
    });
  }

  /** Settles once everything handed over so far is written. */
  async drain(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private kick(): void {
    this.loop ??= (async () => {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.maxBatch);
        await this.write(batch);
      }
      this.loop = null;
    })();
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

  private async write(batch: Op[]): Promise<void> {
    const { prisma } = this.ctx;
    const running = batch.filter((o) => o.kind === 'running').map((o) => ({ id: o.aiLogId, jobId: o.jobId }));
    const finals = batch.filter((o): o is Extract<Op, { kind: 'final' }> => o.kind === 'final');
    let outcomes: PredictionOutcome[];
    let counts: number[];
    try {
      const docIds = await this.archiveIds(finals);
      outcomes = finals.map(({ state }) => ({
        id: state.aiLogId,
        aiId: state.aiId,
        userId: state.userId,
        jobId: state.jobId,
        status: state.status,
        result: state.result,
        error: state.error,
        resultDocId: docIds.get(state.aiLogId) ?? null,
      }));
      const results = await prisma.$transaction([predictionStates.running(prisma, running, new Date()), ...outcomes.map((o, i) => predictionStates.finish(prisma, o, finals[i].at))]);
      counts = results.slice(1).map((r) => r.count);
    } catch (e) {
      // nothing of the batch is written: each job fails and BullMQ retries it
      for (const f of finals) f.reject(e);
      return;
    }
    const written = outcomes.filter((_, i) => counts[i] > 0);
    await predictionStates.finished(this.ctx, written).catch((err: unknown) => this.ctx.logger.warn({ err, results: written.length }, 'could not record or publish finished predictions'));
    finals.forEach((f, i) => f.resolve(counts[i] > 0));
  }
}
