// GET /metrics on the chat port (Prometheus text). The metrics say how busy the chat is and who is connected how
// often, so they are not public: with METRICS_TOKEN set, a scraper sends `Authorization: Bearer <METRICS_TOKEN>`
// (Prometheus: `authorization: { credentials: … }` in the scrape config); without it, /metrics is refused for
// everyone (403 metrics_disabled), loopback included, since a reverse proxy on the same host would make any
// client look local.
import crypto from 'node:crypto';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { ForbiddenError, UnauthenticatedError, type AppError } from '../errors.js';
import { sendJson, sendProblem } from './http.js';
import type { ChatMetrics } from './metrics.js';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Why a scrape is refused, or null when its bearer token is METRICS_TOKEN (compared in constant time). */
export function metricsRefusal(token: string | null, authorization: string): AppError | null {
  if (token === null) return new ForbiddenError('metrics_disabled', 'Metrics are served only to a scraper with the token: set METRICS_TOKEN and send it as a bearer token.');
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (m && crypto.timingSafeEqual(digest(m[1]), digest(token))) return null;
  return new UnauthenticatedError('unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
}

export function metricsHandler(token: string | null, metrics: ChatMetrics, connections: () => number): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const refusal = metricsRefusal(token, req.getHeader('authorization'));
    if (refusal) return sendProblem(res, refusal);
    let aborted = false;
    res.onAborted(() => (aborted = true));
    metrics.connections.set(connections());
    void metrics.registry.metrics().then((text) => {
      if (!aborted) sendJson(res, 200, metrics.registry.contentType, text);
    });
  };
}
