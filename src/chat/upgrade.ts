// The WebSocket upgrade of /ws: the single-use ticket (?ticket=…) is consumed before any socket exists; no ticket,
// a bad one, or one whose access token has been revoked since (or whose user was banned or closed their account)
// is a 401 problem and the connection closes. The tickets of concurrent upgrades are redeemed in batches
// (ticket-redeemer.ts).
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import { DependencyUnavailableError, UnavailableError, UnauthenticatedError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import type { Viewer } from '../access/index.js';
import { NONE, type SocketData } from './connection.js';
import type { ConnectionRegistry } from './connections.js';
import type { CorkAnchor } from './cork-anchor.js';
import { sendProblem } from './http.js';
import type { ChatMetrics } from './metrics.js';
import type { TicketRedeemer } from './ticket-redeemer.js';

export interface UpgradeDependencies {
  redeemer: TicketRedeemer;
  metrics: ChatMetrics;
  log: Logger;
  connections: ConnectionRegistry;
  anchor: CorkAnchor;
  stopping(): boolean;
}

export function createUpgradeHandler(deps: UpgradeDependencies): (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => void {
  const { metrics, log, connections } = deps;
  return (res, req, context) => {
    const ticket = req.getQuery('ticket') ?? '';
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    // this replica's own cork anchor (cork-anchor.ts): upgraded here and now, which uWS corks by itself
    if (deps.anchor.isAnchorRequest(req)) return res.upgrade<SocketData>(deps.anchor.socketData(), key, protocol, extensions, context);
    if (!ticket) {
      metrics.upgradesRefused.inc({ reason: 'no_ticket' });
      return sendProblem(res, new UnauthenticatedError('unauthorized', 'A chat ticket is required.'), true);
    }
    if (deps.stopping()) {
      metrics.upgradesRefused.inc({ reason: 'stopping' });
      return sendProblem(res, new UnavailableError('shutting_down', 'The chat server is shutting down.'), true);
    }
    let aborted = false;
    res.onAborted(() => (aborted = true));
    void (async () => {
      let user: Viewer | null;
      try {
        user = await deps.redeemer.redeem(ticket);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'chat upgrade: ticket check failed');
        if (!aborted) sendProblem(res, new DependencyUnavailableError(), true);
        return;
      }
      if (aborted) return;
      if (!user) {
        metrics.upgradesRefused.inc({ reason: 'bad_ticket' });
        return sendProblem(res, new UnauthenticatedError('invalid_ticket', 'The chat ticket is invalid, expired or already used.'), true);
      }
      if (deps.stopping()) return sendProblem(res, new UnavailableError('shutting_down', 'The chat server is shutting down.'), true);
      const data: SocketData = { conn: connections.nextConnectionNumber(), user, sessions: NONE, joining: null, invalid: 0, closed: false, replies: false, limits: null };
      deps.anchor.upgradeCorked(res, () => res.upgrade<SocketData>(data, key, protocol, extensions, context));
    })();
  };
}
