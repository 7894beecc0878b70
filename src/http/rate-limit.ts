// Rate limits with express-rate-limit, counted in Redis (rate-limit-redis) so that every api replica
// shares the same counters. A limited request gets a 429 problem with Retry-After.
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { redisKeys } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';
import { describeHandler } from './api.js';
import { RateLimitedError } from '../errors.js';

export interface LimiterOptions {
  name: string;
  limit: number;
  windowSeconds: number;
  /** The counter this request belongs to; null: the limiter does not apply. May look things up. */
  key: (req: Request) => string | null | Promise<string | null>;
  /** Count only failed requests (status >= 400), e.g. failed logins per account. */
  failuresOnly?: boolean;
}

export function createLimiter(redis: Redis, opts: LimiterOptions): RequestHandler {
  const keys = new WeakMap<Request, Promise<string | null>>();
  const keyOf = (req: Request) => {
    let k = keys.get(req);
    if (!k) keys.set(req, (k = Promise.resolve(opts.key(req))));
    return k;
  };
  const limiter = rateLimit({
    windowMs: opts.windowSeconds * 1000,
    limit: opts.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: opts.failuresOnly ?? false,
    // key null: this limiter does not apply to the request (e.g. no account named in the body)
    skip: async (req) => (await keyOf(req)) === null,
    keyGenerator: async (req) => (await keyOf(req))!,
    store: new RedisStore({
      prefix: redisKeys.rateLimit(opts.name),
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
    }),
    handler: (req, _res, next) => {
      const info = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit;
      const reset = info?.resetTime?.getTime() ?? Date.now() + opts.windowSeconds * 1000;
      next(RateLimitedError.retryAfter((reset - Date.now()) / 1000));
    },
    validate: { keyGeneratorIpFallback: false },
  });
  return describeHandler(limiter, { rateLimit: opts.name });
}
