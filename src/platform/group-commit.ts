// Group commit: items wait (at most `intervalMs` after the first, or until `maxBatch` are waiting) and are written
// together by one call of `write`, so a burst costs one transaction per batch instead of one per item. One write
// runs at a time; whatever arrives meanwhile forms the next batch, written as soon as the current one is done.

export interface GroupCommitOptions {
  /** The most items one write takes; this many waiting items are written at the end of the current turn. */
  maxBatch: number;
  /** How long the first waiting item waits for others; 0: until the end of the current event-loop turn. */
  intervalMs: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (e: unknown) => void;
}

type Timer = { kind: 'timeout'; handle: NodeJS.Timeout } | { kind: 'endOfTurn'; handle: NodeJS.Immediate };

export class GroupCommitClosedError extends Error {
  constructor() {
    super('The group commit is closed; nothing more is written.');
    this.name = 'GroupCommitClosedError';
  }
}

export class GroupCommit<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private timer: Timer | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;

  /**
   * @param write writes one batch and returns one result per item, in the items' order; if it throws, every item
   *   of that batch (and only of that batch) is rejected with the error.
   */
  constructor(
    private readonly write: (batch: T[]) => Promise<R[]>,
    private readonly opts: GroupCommitOptions,
  ) {
    if (!(opts.maxBatch >= 1)) throw new RangeError('maxBatch must be at least 1');
    if (!(opts.intervalMs >= 0)) throw new RangeError('intervalMs must not be negative');
  }

  /** Items waiting for a write (not counting the batch being written). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Queues an item for the next batch; settles with its result once its batch is written (or failed). */
  add(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new GroupCommitClosedError());
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything waiting now; resolves once all of it is written (or failed). */
  async flush(): Promise<void> {
    this.startWriting();
    while (this.writing) await this.writing;
  }

  /** Refuses further items (add() rejects with GroupCommitClosedError) and writes everything waiting. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private schedule(): void {
    if (this.writing) return; // the running write takes it next
    // a full batch is written at the end of this turn, never from inside add(): the caller may be in the middle
    // of something (a socket handler holding its cork) that the write's consequences must not interleave with
    if (this.waiting.length >= this.opts.maxBatch) this.writeAtEndOfTurn();
    else if (!this.timer) {
      if (this.opts.intervalMs > 0) this.timer = { kind: 'timeout', handle: setTimeout(() => this.startWriting(), this.opts.intervalMs) };
      else this.writeAtEndOfTurn();
    }
  }

  private writeAtEndOfTurn(): void {
    if (this.timer?.kind === 'endOfTurn') return;
    this.clearTimer();
    this.timer = { kind: 'endOfTurn', handle: setImmediate(() => this.startWriting()) };
  }

  private clearTimer(): void {
    if (!this.timer) return;
    if (this.timer.kind === 'timeout') clearTimeout(this.timer.handle);
    else clearImmediate(this.timer.handle);
    this.timer = null;
  }

  private startWriting(): void {
    this.clearTimer();
    if (this.writing || !this.waiting.length) return;
    this.writing = this.writeAll();
  }

  private async writeAll(): Promise<void> {
    try {
      // `writing` is set before this can end, even if `write` throws synchronously
      await Promise.resolve();
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, this.opts.maxBatch);
        let results: R[];
        try {
          results = await this.write(batch.map((w) => w.item));
          if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
        } catch (e) {
          for (const w of batch) w.reject(e);
          continue;
        }
        batch.forEach((w, i) => w.resolve(results[i]));
      }
    } finally {
      // cleared in the same step as the last look at `waiting`: an add() from here on schedules a new write
      this.writing = null;
    }
  }
}

/** One item's outcome in a batch whose items may fail one by one. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Writes the batch in one go (`all`, one transaction); if that fails, writes each item alone (`one`, its own
 * transaction), so that an item that cannot be written fails by itself with its own error and the others are
 * written. `all` must leave nothing behind when it throws (a rolled-back transaction).
 */
export async function batchOrOneByOne<T, R>(batch: T[], all: (batch: T[]) => Promise<R[]>, one: (item: T) => Promise<R>): Promise<Outcome<R>[]> {
  if (batch.length > 1) {
    let values: R[] | null = null;
    try {
      values = await all(batch);
    } catch {
      // the culprit is found below: every item again, alone
    }
    if (values) {
      // written: a miscount is a fault of `all`, never a reason to write the items a second time
      if (values.length !== batch.length) throw new Error(`batchOrOneByOne: ${values.length} results for ${batch.length} items`);
      return values.map((value) => ({ ok: true, value }));
    }
  }
  const out: Outcome<R>[] = [];
  for (const item of batch) {
    try {
      out.push({ ok: true, value: await one(item) });
    } catch (error) {
      out.push({ ok: false, error });
    }
  }
  return out;
}
