// Logs a burst of like failures without flooding the log: the first in full (error and context), then at most one
// summary line per interval with how many came since; an interval without any ends the burst, so the next failure
// is logged in full again. Used for the chat's `write_failed` (a full disk fails every frame that arrives).
import type { Logger } from '../platform/logger.js';

export class FailureLog {
  private timer: NodeJS.Timeout | null = null;
  /** failures since the last line, and the last one's error message */
  private count = 0;
  private lastError: string | undefined;

  constructor(
    private readonly log: Logger,
    private readonly msg: string,
    private readonly intervalMs: number,
  ) {}

  record(err: unknown, context: Record<string, unknown>): void {
    if (!this.timer) {
      this.log.error({ err, ...context }, this.msg);
      this.timer = setInterval(() => this.summary(), this.intervalMs);
      this.timer.unref();
      return;
    }
    this.count++;
    this.lastError = err instanceof Error ? err.message.split('\n')[0] : err === undefined ? undefined : JSON.stringify(err);
  }

  /** Logs what is left and stops (shutdown). */
  stop(): void {
    if (this.count) this.summary();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private summary(): void {
    if (!this.count) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.log.error({ failures: this.count, intervalMs: this.intervalMs, lastError: this.lastError }, `${this.msg} (${this.count} more since the last line)`);
    this.count = 0;
    this.lastError = undefined;
  }
}
