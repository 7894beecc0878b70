// Group commit: messages wait (at most `intervalMs` after the first, or until `maxBatch` are pending) and are
// written in one transaction, so throughput does not collapse to one transaction per message. One flush runs at
// a time; whatever arrives meanwhile forms the next batch, written as soon as the current one commits.
import type { Logger } from '../platform/logger.js';
import type { ChatMetrics } from './metrics.js';
import type { CommitResult, PendingMessage } from './pending-message.js';

export class GroupCommitWriter<T extends PendingMessage> {
  private pending: T[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private timerIsImmediate = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly commit: (batch: T[]) => Promise<CommitResult[]>,
    private readonly done: (batch: T[], results: CommitResult[]) => void,
    private readonly opts: { intervalMs: number; maxBatch: number },
    private readonly metrics: ChatMetrics,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  submit(item: T): void {
    this.pending.push(item);
    if (this.running) return; // the running flush takes it next
    if (this.pending.length >= this.opts.maxBatch) this.soon();
    // 0: at the end of this event-loop turn, i.e. everything that arrived in one poll of the sockets is one batch
    else if (!this.timer) this.timer = this.opts.intervalMs > 0 ? setTimeout(() => this.kick(), this.opts.intervalMs) : this.immediate();
  }

  /** A full batch flushes at the end of this event-loop turn, never from inside submit(): the caller may be a uWS
   *  message handler, which holds its socket's cork, and the flush's acks and fan-out written from there would
   *  leave one frame per system call instead of one write per socket (bench:chat: 1 syscall per delivery). */
  private soon(): void {
    if (this.timer && this.timerIsImmediate) return;
    if (this.timer) clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = this.immediate();
  }

  private immediate(): NodeJS.Immediate {
    this.timerIsImmediate = true;
    return setImmediate(() => this.kick());
  }

  /** Writes everything pending (shutdown); resolves once all of it is committed (or failed). */
  async flush(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.timer) {
      if (this.timerIsImmediate) clearImmediate(this.timer as NodeJS.Immediate);
      else clearTimeout(this.timer as NodeJS.Timeout);
      this.timer = null;
      this.timerIsImmediate = false;
    }
    if (this.running || !this.pending.length) return;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  private async loop(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.opts.maxBatch);
      const started = process.hrtime.bigint();
      let results: CommitResult[];
      try {
        results = await this.commit(batch);
      } catch (e) {
        // each message fails with the cause: the receiver of the results logs it (rate-limited, message-sender.ts)
        results = batch.map(() => ({ ok: false, code: 'write_failed', message: 'The message could not be stored.', cause: e }));
      }
      this.metrics.flushLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.metrics.flushBatchSize.observe(batch.length);
      try {
        this.done(batch, results);
      } catch (e) {
        this.logger.error({ err: e }, 'chat flush delivery failed');
      }
    }
  }
}
