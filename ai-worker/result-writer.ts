// Group commit of prediction states. Each job hands its "running" mark and its final state to the writer,
// which writes whatever has gathered in one transaction while the previous one commits: one job alone is
// written at once, fifty concurrent jobs share one commit. A job's promise settles only after its row is
// committed, so BullMQ removes a job (removeOnComplete) only once its result is durable. After each commit
// the completion events go out in one Redis pipeline.
import type { Context } from '../src/context.js';
import { publishAiEvents } from '../src/ais/events.js';
import type { AiEvent, JobStatus } from '../src/ais/jobs.js';
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

type Op =
  | { kind: 'running'; aiLogId: number; at: Date }
  | { kind: 'final'; state: FinalState; at: Date; resolve: (written: boolean) => void; reject: (e: unknown) => void };

export class ResultWriter {
  private pending: Op[] = [];
  private loop: Promise<void> | null = null;

  constructor(
    private readonly ctx: Pick<Context, 'prisma' | 'redis' | 'logger' | 'config'>,
    private readonly archive: ResultArchive | null,
    private readonly maxBatch = 500,
  ) {}

  /** Marks a queued row running (written with the next batch; not awaited). */
  running(aiLogId: number): void {
    this.pending.push({ kind: 'running', aiLogId, at: new Date() });
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
    const docs: ResultDoc[] = ok.map((f) => ({ aiLogId: f.state.aiLogId, aiId: f.state.aiId, userId: f.state.userId, artifactKey: f.state.artifactKey ?? '', input: f.state.input, result: f.state.result, at: f.at }));
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
    const runningIds = batch.filter((o) => o.kind === 'running').map((o) => o.aiLogId);
    const finals = batch.filter((o): o is Extract<Op, { kind: 'final' }> => o.kind === 'final');
    try {
      const docIds = await this.archiveIds(finals);
      const now = new Date();
      const results = await prisma.$transaction([
        prisma.aiLog.updateMany({ where: { id: { in: runningIds.length ? runningIds : [-1] }, status: 'queued' }, data: { status: 'running', startDate: now } }),
        ...finals.map(({ state, at }) =>
          prisma.aiLog.updateMany({
            where: { id: state.aiLogId, jobId: state.jobId, isFinished: false },
            data: { status: state.status, isFinished: true, finishDate: at, error: state.error ?? null, resultDocId: docIds.get(state.aiLogId) ?? null, ...(state.result !== undefined ? { result: state.result } : {}) },
          }),
        ),
      ]);
      const events: AiEvent[] = [];
      finals.forEach((f, i) => {
        const written = results[i + 1].count > 0;
        if (written) events.push({ type: 'ailog', id: f.state.aiLogId, aiId: f.state.aiId, userId: f.state.userId, status: f.state.status });
        f.resolve(written);
      });
      await publishAiEvents(this.ctx.redis, this.ctx.config.redisPrefix, events, this.ctx.logger);
    } catch (e) {
      // nothing of the batch is written: each job fails and BullMQ retries it
      for (const f of finals) f.reject(e);
    }
  }
}
