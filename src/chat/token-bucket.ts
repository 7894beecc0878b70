// A token bucket: `burst` tokens at first, refilled at `ratePerSecond`, one taken per allowed event.
export class TokenBucket {
  private refilledAt = performance.now();

  constructor(private tokens: number) {}

  /** Takes a token when one is left (after refilling for the time elapsed); false when the bucket is empty. */
  take(ratePerSecond: number, burst: number, now = performance.now()): boolean {
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
