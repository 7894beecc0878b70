import type { Server } from 'node:http';
import type { AdminMount } from '../admin/mount.js';
import { buildApp } from './app.js';
import type { Context } from './context.js';

export interface RunningApi {
  server: Server;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, closes idle keep-alive sockets, writes buffered views. */
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
  ctx.services.views.start();
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
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      });
      // after the last request: nothing counted is left behind in the buffer
      await ctx.services.views.stop();
    },
  };
}
