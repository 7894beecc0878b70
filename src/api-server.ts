import type { Server, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AdminMount } from '../admin/mount.js';
import { buildApp } from './app.js';
import type { OverloadGuard } from './http/overload.js';
import type { Context } from './context.js';

export interface RunningApi {
  server: Server;
  port: number;
  /**
   * Drains and stops: stops accepting, closes idle keep-alive connections at once, answers what is in flight
   * with `Connection: close` (so each busy connection closes as its response ends), then writes buffered views.
   */
  stop(): Promise<void>;
}

/** Where a person on this machine reaches the api: the bound host, or localhost when it listens on every interface. */
export function localOrigin(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** The start-up line naming what a newcomer opens first. */
export function startupMessage(origin: string, extra = ''): string {
  return `Agora is up: ${origin}/admin (admin panel), ${origin}/docs (API docs), /healthz, /readyz${extra}`;
}

/** How long idle keep-alive connections stay open after SIGTERM, so a client sending right then gets `Connection: close`, not a reset. */
const LINGER_MS = 1000;
/** Busy connections still open this far into SHUTDOWN_TIMEOUT_MS are closed, so the final flush always runs. */
const FORCE_CLOSE_AT = 0.75;

export async function startApi(ctx: Context, port = ctx.config.port, host = ctx.config.host): Promise<RunningApi> {
  const app = buildApp(ctx);
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  ctx.logger.info({ port: actualPort, host }, 'api listening');

  // responses not yet finished; once draining, every response closes its connection
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  ctx.services.views.start();
  ctx.services.orphanSweep.start();
  // rows written without the services (before the search migration, an import) get their search tokens
  void ctx.services.searchIndex.repairMissing(ctx.prisma).catch((err: unknown) => ctx.logger.warn({ err: (err as Error).message }, 'search index repair failed'));
  if (ctx.config.uploads.orphanGraceSeconds * 1000 < server.requestTimeout) {
    ctx.logger.warn(
      { graceSeconds: ctx.config.uploads.orphanGraceSeconds, requestTimeoutMs: server.requestTimeout },
      'UPLOAD_ORPHAN_GRACE_SECONDS is shorter than the longest request: a file of an upload still being saved could be swept',
    );
  }
  // load the admin panel now rather than on its first request (test suites load it only when they use it)
  if (ctx.config.nodeEnv !== 'test') {
    (app.locals.adminPanel as AdminMount).load().then(
      () => ctx.logger.info('admin panel ready at /admin'),
      (err: unknown) => ctx.logger.error({ err }, 'admin panel could not be loaded'),
    );
  }
  return {
    server,
    port: actualPort,
    stop: async () => {
      draining = true;
      let lingering = true;
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        // its headers already promised keep-alive: close the connection as soon as the response ends
        else
          res.once('finish', () => {
            if (!lingering) setImmediate(() => server.closeIdleConnections());
          });
      }
      // Stop accepting, through net.Server's close: http.Server's own also closes idle keep-alive connections at
      // once, and a client sending on one at that instant would see a reset. Resolves once the last connection closed.
      const closed = new Promise<void>((resolve, reject) => net.Server.prototype.close.call(server, (err?: Error) => (err ? reject(err) : resolve())));
      // for a moment a request arriving on an idle connection is still answered (with Connection: close); then
      // http.Server's close closes the connections still idle (and stops its timeout checks)
      const linger = setTimeout(
        () => {
          lingering = false;
          server.close();
        },
        Math.min(LINGER_MS, ctx.config.shutdownTimeoutMs / 4),
      );
      const force = setTimeout(() => {
        ctx.logger.warn({ open: inFlight.size }, 'closing connections still busy at shutdown');
        server.closeAllConnections();
      }, ctx.config.shutdownTimeoutMs * FORCE_CLOSE_AT);
      force.unref();
      try {
        await closed;
      } finally {
        clearTimeout(linger);
        clearTimeout(force);
      }
      await ctx.services.orphanSweep.stop();
      (app.locals.overload as OverloadGuard).close();
      // after the last request: nothing counted is left behind in the buffer
      await ctx.services.views.stop();
    },
  };
}
