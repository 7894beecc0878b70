// Orphan files: what a process killed mid-upload leaves in storage. A temp file belongs to a write that never
// finished; an attachment no row refers to was stored by a request whose transaction never committed. The api
// removes both at start and then periodically, once they are older than the grace period: longer than any
// request may last, so a young file whose post or comment may still be committed is never touched.
// Removal is idempotent, so replicas sharing the uploads folder may each sweep it.
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import type { ListedObject, Storage } from '../platform/storage.js';
import { ATTACHMENTS } from './upload.js';

/** Candidates checked against the database per query. */
const BATCH = 500;
/** Keys named in one log line at most (the counts are always complete). */
const LOGGED_KEYS = 100;

export interface SweepResult {
  temp: number;
  attachments: number;
  bytes: number;
}

/** What this process removed since it started: logged with each sweep, and shown by /readyz. */
export interface SweepStats {
  runs: number;
  lastRunAt: string | null;
  removedTempFiles: number;
  removedAttachments: number;
  removedBytes: number;
}

export class OrphanSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult | null> | null = null;
  private stopping = false;
  private readonly totals: SweepStats = { runs: 0, lastRunAt: null, removedTempFiles: 0, removedAttachments: 0, removedBytes: 0 };

  constructor(
    private readonly prisma: Db,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly opts: { intervalSeconds: number; graceSeconds: number },
  ) {}

  stats(): SweepStats {
    return { ...this.totals };
  }

  /** One pass; files last written after `now - grace` are left alone. */
  async sweep(now = Date.now()): Promise<SweepResult> {
    const cutoff = new Date(now - this.opts.graceSeconds * 1000);
    const temp = await this.storage.removeStaleTemp(cutoff);
    const attachments: ListedObject[] = [];
    let batch: ListedObject[] = [];
    for await (const object of this.storage.list(ATTACHMENTS)) {
      if (this.stopping) break;
      if (object.modifiedAt >= cutoff) continue;
      batch.push(object);
      if (batch.length === BATCH) {
        attachments.push(...(await this.removeUnreferenced(batch)));
        batch = [];
      }
    }
    if (batch.length && !this.stopping) attachments.push(...(await this.removeUnreferenced(batch)));

    const result = { temp: temp.length, attachments: attachments.length, bytes: [...temp, ...attachments].reduce((n, o) => n + o.size, 0) };
    this.totals.runs++;
    this.totals.lastRunAt = new Date(now).toISOString();
    this.totals.removedTempFiles += result.temp;
    this.totals.removedAttachments += result.attachments;
    this.totals.removedBytes += result.bytes;
    if (result.temp || result.attachments) {
      const keys = [...temp, ...attachments].map((o) => o.key);
      this.logger.info({ removed: result, keys: keys.slice(0, LOGGED_KEYS), total: this.stats() }, 'orphan files removed');
    }
    return result;
  }

  /** Deletes the files of `batch` that no post or comment file row refers to; returns them. */
  private async removeUnreferenced(batch: ListedObject[]): Promise<ListedObject[]> {
    const name = (o: ListedObject) => o.key.slice(ATTACHMENTS.length + 1);
    // stored names are unique and indexed; a row's path is `attachments/<storedName>`
    const names = batch.map(name);
    const [posts, comments] = await Promise.all([
      this.prisma.postFile.findMany({ where: { storedName: { in: names } }, select: { storedName: true } }),
      this.prisma.commentFile.findMany({ where: { storedName: { in: names } }, select: { storedName: true } }),
    ]);
    const referenced = new Set([...posts, ...comments].map((r) => r.storedName));
    let orphans = batch.filter((o) => !referenced.has(name(o)));
    if (!orphans.length) return [];
    // the rare candidates are confirmed by path too, so a file is never removed while any row names it
    const keys = orphans.map((o) => o.key);
    const [byPostPath, byCommentPath] = await Promise.all([
      this.prisma.postFile.findMany({ where: { path: { in: keys } }, select: { path: true } }),
      this.prisma.commentFile.findMany({ where: { path: { in: keys } }, select: { path: true } }),
    ]);
    const named = new Set([...byPostPath, ...byCommentPath].map((r) => r.path));
    orphans = orphans.filter((o) => !named.has(o.key));
    for (const o of orphans) await this.storage.delete(o.key);
    return orphans;
  }

  /** A sweep now, unless one is running; failures are logged and the next period tries again. */
  run(): Promise<SweepResult | null> {
    this.running ??= this.sweep()
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'orphan file sweep failed; retrying at the next period');
        return null;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Sweeps at once, then every interval. */
  start(): void {
    if (this.timer) return;
    this.stopping = false;
    void this.run();
    this.timer = setInterval(() => void this.run(), this.opts.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and ends a running sweep after its current batch. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    await this.running;
  }
}
