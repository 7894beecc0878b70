// Load shedding of the api: what cannot be served in time gets a fast 503 problem (`overloaded`, Retry-After)
// instead of waiting in a queue for seconds. Two signals, each optional:
// - event-loop delay (perf_hooks.monitorEventLoopDelay, as @fastify/under-pressure): its mean over a sample
//   window is how late the process picks up work, the wait every request pays before its handler runs. The
//   api's SQLite driver is synchronous, so a busy database shows here too. Shedding starts after two samples
//   in a row over the limit (one long pause, a GC or a module load, is not overload) and stops at the first
//   sample under it.
// - requests in flight: a bound on what one process serves at once, so that its own queue stays short.
// The decision is taken once per request, before pino-http logs it: a shed request costs no log line (the
// monitor logs when shedding starts, every 10 s while it goes on, and when it stops, with counts).
import type { Request, RequestHandler } from 'express';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { UnavailableError } from '../errors.js';
import type { Logger } from '../platform/logger.js';

export interface OverloadOptions {
  /** Mean event-loop delay (ms) over a sample above which requests are shed; 0: off. */
  maxEventLoopDelayMs: number;
  /** One sample's length (ms). */
  sampleMs: number;
  /** Requests served at once; 0: no bound. */
  maxInFlight: number;
  retryAfterSeconds: number;
}

/** Always served: the probes, and the admin panel's static files (a half-loaded panel helps nobody). */
export function isExempt(path: string): boolean {
  return path === '/healthz' || path === '/readyz' || path.startsWith('/admin/frontend/assets/');
}

const RESOLUTION_MS = 10;
const LOG_EVERY_MS = 10_000;
const decided = Symbol('overload decision');
type Decided = Request & { [decided]?: boolean };

export interface OverloadGuard {
  /** Whether this request is shed; decided once per request (later calls return the same answer). */
  shed(req: Request): boolean;
  /** The middleware: a shed request goes to the error handler as a 503 `overloaded`. */
  middleware: RequestHandler;
  /** What the monitor sees now. */
  state(): { overloaded: boolean; eventLoopDelayMs: number; inFlight: number; shed: number };
  close(): void;
}

export function overloadGuard(opts: OverloadOptions, logger: Logger): OverloadGuard {
  let histogram: IntervalHistogram | null = null;
  let timer: NodeJS.Timeout | null = null;
  let overloaded = false;
  let over = 0; // samples in a row over the limit
  let eventLoopDelayMs = 0;
  let inFlight = 0;
  let shedTotal = 0;
  let shedSinceLog = 0;
  let lastLog = 0;
  let since = 0;

  const summary = () => ({ eventLoopDelayMs: Math.round(eventLoopDelayMs), inFlight, shed: shedSinceLog });
  const logSummary = (now: number) => {
    if (shedSinceLog > 0) logger.warn(summary(), 'overloaded: requests shed with 503');
    shedSinceLog = 0;
    lastLog = now;
  };

  if (opts.maxEventLoopDelayMs > 0) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    // The histogram is never reset: reset() also forgets when its timer last ran, and on a loop so busy that the
    // timer runs once per sample it would then record nothing. A sample is the difference of two readings.
    let count = 0;
    let sum = 0;
    let last = performance.now();
    timer = setInterval(() => {
      const h = histogram!;
      const now = performance.now();
      const c = h.count;
      const s = c > 0 ? h.mean * c : 0;
      // the histogram holds whole intervals between its timer's runs (ns): the delay is what exceeds the
      // resolution; no run of its timer in a sample: this timer's own lateness says how late the loop was
      eventLoopDelayMs = c > count ? Math.max(0, (s - sum) / (c - count) / 1e6 - RESOLUTION_MS) : Math.max(0, now - last - opts.sampleMs);
      count = c;
      sum = s;
      last = now;
      // now and then (about every 3 h on an idle loop) start over, so that the sums stay small
      if (c > 1_000_000) {
        h.reset();
        count = sum = 0;
      }
      over = eventLoopDelayMs > opts.maxEventLoopDelayMs ? over + 1 : 0;
      if (!overloaded && over >= 2) {
        overloaded = true;
        since = Date.now();
        logger.warn({ eventLoopDelayMs: Math.round(eventLoopDelayMs), limitMs: opts.maxEventLoopDelayMs, inFlight }, 'overloaded: shedding requests with 503');
        lastLog = Date.now();
      } else if (overloaded && over === 0) {
        overloaded = false;
        logSummary(Date.now());
        logger.info({ eventLoopDelayMs: Math.round(eventLoopDelayMs), durationMs: Date.now() - since }, 'overload over: serving every request again');
      } else if (shedSinceLog > 0 && Date.now() - lastLog >= LOG_EVERY_MS) logSummary(Date.now());
    }, opts.sampleMs);
    timer.unref();
  }

  const shed = (req: Request): boolean => {
    const r = req as Decided;
    if (r[decided] !== undefined) return r[decided];
    let refuse = false;
    if (!isExempt(req.path)) {
      refuse = overloaded || (opts.maxInFlight > 0 && inFlight >= opts.maxInFlight);
      if (refuse) {
        shedTotal++;
        shedSinceLog++;
        // the in-flight bound alone has no sampler: its sheds are summed up on the next shed after 10 s
        const now = Date.now();
        if (!overloaded && now - lastLog >= LOG_EVERY_MS) logSummary(now);
      } else if (opts.maxInFlight > 0 && !(req.headers.accept ?? '').includes('text/event-stream')) {
        // an event stream stays open for as long as its member reads it: it is not work in a queue
        inFlight++;
        req.res!.once('close', () => inFlight--);
      }
    }
    r[decided] = refuse;
    return refuse;
  };

  return {
    shed,
    middleware: (req, _res, next) => {
      if (!shed(req)) return next();
      next(new UnavailableError('overloaded', 'The server is overloaded; try again shortly.', { retryAfter: opts.retryAfterSeconds }));
    },
    state: () => ({ overloaded, eventLoopDelayMs, inFlight, shed: shedTotal }),
    close() {
      if (timer) clearInterval(timer);
      histogram?.disable();
    },
  };
}
