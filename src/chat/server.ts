// chat process server on uWebSockets.js (native only). For now it is a shell: a health route, and a /ws route that
// refuses every upgrade, because a socket may only be opened with a chat ticket and tickets come with the auth
// issue. The chat protocol comes with the chat issue.
import type { HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import type { Context } from '../context.js';
import { NotFoundError, problemOf, UnauthorizedError, type AppError } from '../http/errors.js';
import { assertNativeUws } from './uws.js';

export interface RunningChat {
  port: number;
  /** Stops listening, closes every open WebSocket (1001 Going Away) and then every remaining connection. */
  stop(): Promise<void>;
}

const statusLines: Record<number, string> = { 200: '200 OK', 401: '401 Unauthorized', 404: '404 Not Found' };

function sendJson(res: HttpResponse, status: number, contentType: string, body: unknown, closeConnection = false): void {
  res.cork(() => {
    res
      .writeStatus(statusLines[status] ?? String(status))
      .writeHeader('Content-Type', contentType)
      .writeHeader('Cache-Control', 'no-store')
      .end(JSON.stringify(body), closeConnection);
  });
}

function sendProblem(res: HttpResponse, err: AppError, closeConnection = false): void {
  sendJson(res, err.status, 'application/problem+json', problemOf(err), closeConnection);
}

export async function startChat(ctx: Context, port = ctx.config.chatPort, host = ctx.config.host): Promise<RunningChat> {
  const uws = assertNativeUws();
  const log = ctx.logger;
  const sockets = new Set<WebSocket<unknown>>();

  const app: TemplatedApp = uws
    .App()
    .get('/healthz', (res) => sendJson(res, 200, 'application/json', { status: 'ok' }))
    .ws<unknown>('/ws', {
      // No ticket can be presented yet (tickets come with the auth issue), so every upgrade is refused and
      // the connection is closed: no socket is ever opened without one.
      upgrade: (res) => sendProblem(res, new UnauthorizedError('unauthorized', 'A chat ticket is required.'), true),
      open: (ws) => {
        sockets.add(ws);
      },
      close: (ws) => {
        sockets.delete(ws);
      },
    })
    .any('/*', (res, req) => {
      sendProblem(res, new NotFoundError(`No route matches ${req.getCaseSensitiveMethod()} ${req.getUrl()}.`));
    });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`chat could not listen on ${host}:${port} (address in use or not available)`));
    });
  });
  const actualPort = uws.us_socket_local_port(listenSocket);
  log.info({ port: actualPort, host }, 'chat listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      uws.us_listen_socket_close(listenSocket);
      for (const ws of [...sockets]) {
        try {
          ws.end(1001, 'server shutting down');
        } catch {
          // already closed
        }
      }
      // Give closing handshakes a moment, then close what is left (idle keep-alive HTTP connections included),
      // so that nothing keeps the event loop alive. App.close() exists in this build but is not in its typings.
      for (let i = 0; i < 20 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
      (app as TemplatedApp & { close?: () => void }).close?.();
      sockets.clear();
      log.info('chat stopped');
    })());

  return { port: actualPort, stop };
}
