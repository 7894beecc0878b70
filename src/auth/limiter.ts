// Password-guess limits, counted in Redis so every api replica (and the admin panel) shares them. One check
// counts an attempt in several fixed-window counters at once, atomically: either every counter is under
// its limit and each is counted, or the attempt is refused (429) and nothing is counted — so refused
// attempts from one address never eat into a counter that other addresses share.
import { RateLimitedError } from '../errors.js';
import { redisKeys } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';

export interface Counter {
  key: string;
  limit: number;
  /** Counts every attempt; otherwise the attempt is taken back when it succeeds (failures only). */
  everyAttempt?: boolean;
}

export interface Attempt {
  /** The password was right: failures-only counters forget this attempt. */
  succeeded(): Promise<void>;
}

// KEYS: the counters; ARGV[1]: window seconds, ARGV[2..]: limits. Returns 0, or the TTL of the first full counter.
const COUNT = `
for i = 1, #KEYS do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = tonumber(ARGV[1]) end
    return ttl
  end
end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
end
return 0`;

// Takes an attempt back, but never revives a counter whose window ended in between.
const TAKE_BACK = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0`;

export class AttemptLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
  ) {}

  /** Counts one attempt in every counter, or throws RateLimitedError (Retry-After: the fullest counter's window end). */
  async attempt(counters: Counter[]): Promise<Attempt> {
    const keys = counters.map((c) => c.key);
    const refusedFor = Number(await this.redis.eval(COUNT, keys.length, ...keys, this.windowSeconds, ...counters.map((c) => c.limit)));
    if (refusedFor > 0) throw RateLimitedError.retryAfter(refusedFor);
    const failuresOnly = counters.filter((c) => !c.everyAttempt).map((c) => c.key);
    return {
      succeeded: async () => {
        if (failuresOnly.length) await this.redis.eval(TAKE_BACK, failuresOnly.length, ...failuresOnly);
      },
    };
  }
}

export interface LoginLimits {
  loginRateLimitPerIp: number;
  loginRateLimitPerAccount: number;
  loginRateLimitAccountGlobal: number;
}

/**
 * The one login limit (API and admin panel): every attempt per client address; failures per (account,
 * address), so a stranger's wrong guesses do not lock the owner out of their own address; and failures per
 * account from every address together, a much higher ceiling against guessing from many addresses.
 */
export function loginCounters(limits: LoginLimits, account: string, ip: string | null): Counter[] {
  const address = ip ?? 'unknown';
  return [
    { key: redisKeys.loginIp(address), limit: limits.loginRateLimitPerIp, everyAttempt: true },
    { key: redisKeys.loginAccountIp(account, address), limit: limits.loginRateLimitPerAccount },
    { key: redisKeys.loginAccount(account), limit: limits.loginRateLimitAccountGlobal },
  ];
}
