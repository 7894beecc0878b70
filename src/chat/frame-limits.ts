// Per-socket budgets for the client frames other than `send` (that one is limited per user: message-sender.ts).
// Each frame class has its own token bucket (CHAT_FRAME_RATE_PER_SECOND and CHAT_FRAME_BURST; `history`, which reads
// the database, CHAT_HISTORY_RATE_PER_SECOND and CHAT_HISTORY_BURST), created on the socket's first frame of that
// class so that an idle socket carries none. A frame over its budget is answered `rate_limited` and not run.
import type { Config } from '../config.js';
import type { ClientFrame } from './protocol.js';
import { TokenBucket } from './token-bucket.js';

export type LimitedFrame = Exclude<ClientFrame, { type: 'send' }>;

/** Unanswered `history` requests a socket may have; more are refused with `rate_limited`. */
export const MAX_HISTORY_IN_FLIGHT = 4;

export class FrameLimits {
  private join?: TokenBucket;
  private typing?: TokenBucket;
  private read?: TokenBucket;
  private edit?: TokenBucket;
  private history?: TokenBucket;
  private ping?: TokenBucket;
  historyInFlight = 0;

  /** Takes the frame's token; false when its class has none left (or, for history, too many are unanswered). */
  allow(type: LimitedFrame['type'], config: Config['chat']): boolean {
    const rate = config.frameRatePerSecond;
    const burst = config.frameBurst;
    switch (type) {
      case 'join':
      case 'leave':
        return (this.join ??= new TokenBucket(burst)).take(rate, burst);
      case 'typing':
        return (this.typing ??= new TokenBucket(burst)).take(rate, burst);
      case 'edit':
      case 'delete':
        return (this.edit ??= new TokenBucket(burst)).take(rate, burst);
      case 'read':
        return (this.read ??= new TokenBucket(burst)).take(rate, burst);
      case 'ping':
        return (this.ping ??= new TokenBucket(burst)).take(rate, burst);
      case 'history':
        if (this.historyInFlight >= MAX_HISTORY_IN_FLIGHT) return false;
        return (this.history ??= new TokenBucket(config.historyBurst)).take(config.historyRatePerSecond, config.historyBurst);
    }
  }
}
