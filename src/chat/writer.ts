// The chat's group commit (src/platform/group-commit.ts): messages are written in one transaction per batch, and
// each batch's results go to `done` at once, so its acks and fan-out leave together. A full batch is written at the
// end of the event-loop turn, never from inside submit(): the caller may be a uWS message handler, which holds its
// socket's cork, and the acks and fan-out written from there would leave one frame per system call instead of one
// write per socket (docs/decisions/0002-group-commit.md).
import { GroupCommit } from '../platform/group-commit.js';
import type { Logger } from '../platform/logger.js';
import type { ChatMetrics } from './metrics.js';
import type { CommitResult, ItemResult, PendingItem } from './pending-message.js';

export class GroupCommitWriter<T extends PendingItem, R extends ItemResult = CommitResult> {
  private readonly batches: GroupCommit<T, R>;
  private readonly logger: Logger;

  constructor(commit: (batch: T[]) => Promise<R[]>, done: (batch: T[], results: R[]) => void, opts: { intervalMs: number; maxBatch: number }, metrics: ChatMetrics, logger: Logger) {
    this.logger = logger;
    this.batches = new GroupCommit<T, R>(async (batch) => {
      const started = process.hrtime.bigint();
      let results: R[];
      try {
        results = await commit(batch);
      } catch (e) {
        // each message fails with the cause: the receiver of the results logs it (rate-limited, message-sender.ts)
        results = batch.map(() => ({ ok: false, code: 'write_failed', message: 'The message could not be stored.', cause: e }) as R);
      }
      metrics.flushLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      metrics.flushBatchSize.observe(batch.length);
      try {
        done(batch, results);
      } catch (e) {
        logger.error({ err: e }, 'chat flush delivery failed');
      }
      return results;
    }, opts);
  }

  get size(): number {
    return this.batches.waitingCount;
  }

  /** Queues a message (or a read marker); its result goes to `done` with the rest of its batch. */
  submit(item: T): void {
    // failures are results too (above); a rejection here would be a fault of the writer itself
    this.batches.add(item).catch((err: unknown) => this.logger.error({ err }, 'chat message writer failed'));
  }

  /** Writes everything pending (shutdown); resolves once all of it is committed (or failed). */
  flush(): Promise<void> {
    return this.batches.flush();
  }
}
