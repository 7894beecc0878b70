// The chat process's server on uWebSockets.js (native only): /healthz, /readyz, /metrics, and /ws — the chat protocol
// (docs/chat-protocol.md). This file puts the parts together and owns start and stop:
//   upgrade.ts           the upgrade consumes the single-use ticket before any socket exists
//   ticket-redeemer.ts   the tickets of concurrent upgrades, redeemed in one batch per turn of the event loop
//   cork-anchor.ts       a loopback socket of the replica's own, whose cork those upgrades borrow (uWS bug)
//   frame-dispatch.ts    client frames, validated and within budget (frame-limits.ts), to their handlers
//   rooms.ts             joined sessions, presence, typing, control events (removal, hiding, deletion)
//   message-sender.ts    `send`: rate limit, group commit, ack, fan-out
//   delivery.ts          every frame to a client, and the slow-consumer cut (4008)
//   subscriber.ts        the Redis subscriber: other replicas' frames, revocations (4001 on every replica)
//   replica-hello.ts     a replica joining a session's channel tells the others (bus.ts)
//   heartbeat.ts         this replica's socket count for the admin panel
//   metrics-endpoint.ts  /metrics, for a scraper holding METRICS_TOKEN only
// On stop, pending messages are written and acknowledged, then every socket is closed with 1001.
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Context } from '../context.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import { probe } from '../platform/readiness.js';
import { CloseCodes, type SocketData } from './connection.js';
import { ConnectionRegistry } from './connections.js';
import { CorkAnchor, isCorkAnchor } from './cork-anchor.js';
import { Delivery } from './delivery.js';
import { frames } from './frames.js';
import { FrameDispatcher } from './frame-dispatch.js';
import { startConnectionReports } from './heartbeat.js';
import { sendJson, sendProblem } from './http.js';
import { MessageSender } from './message-sender.js';
import { metricsHandler } from './metrics-endpoint.js';
import { createChatMetrics, type ChatMetrics } from './metrics.js';
import { RoomRegistry } from './rooms.js';
import { ChatSubscriber } from './subscriber.js';
import { TicketRedeemer } from './ticket-redeemer.js';
import { createUpgradeHandler } from './upgrade.js';
import { assertNativeUws } from './uws.js';

export { CloseCodes } from './connection.js';
export { subscriberName } from './subscriber.js';

export interface RunningChat {
  port: number;
  /** This replica's id (the origin of what it publishes on Redis). */
  replicaId: string;
  metrics: ChatMetrics;
  /** Open WebSockets on this replica. */
  connections(): number;
  /** Stops accepting, writes pending messages, closes every WebSocket with 1001 Going Away, then everything else. */
  stop(): Promise<void>;
}

export async function startChat(ctx: Context, port = ctx.config.chatPort, host = ctx.config.host): Promise<RunningChat> {
  const uws = assertNativeUws();
  const log = ctx.logger;
  const config = ctx.config.chat;
  const chat = ctx.services.chat;
  const bus = chat.bus;
  const metrics = createChatMetrics();
  let stopping = false;
  const isStopping = () => stopping;

  const app: TemplatedApp = uws.App();
  const connections = new ConnectionRegistry(config.sendBurst);
  const anchor = new CorkAnchor(connections, log);
  let subscriber: ChatSubscriber | undefined;
  const delivery = new Delivery(app, {
    maxBackpressureBytes: config.maxBackpressureBytes,
    metrics,
    log,
    connections,
    socketsInSession: (id) => rooms.socketsIn(id),
    capture: (id, frame, from) => rooms.capture(id, frame, from),
  });
  const rooms: RoomRegistry = new RoomRegistry({ chat, bus, delivery, log, typingIntervalMs: config.typingIntervalMs, resumeMax: config.resumeMax, subscriber: () => subscriber! });
  const sender = new MessageSender({ chat, bus, config, metrics, log, delivery, rooms, connections, stopping: isStopping });
  const redeemer = new TicketRedeemer({ sessions: ctx.sessions, connectUsers: (ids) => chat.connectUsers(ids) });
  const dispatcher = new FrameDispatcher({ chat, bus, config, metrics, log, delivery, rooms, sender, connections });

  const revoke = (userId: number) => {
    for (const ws of [...connections.socketsOf(userId)]) {
      metrics.revokedClosed.inc();
      delivery.close(ws, CloseCodes.revoked, 'session revoked');
    }
  };
  try {
    subscriber = await ChatSubscriber.open(ctx.config, bus, metrics, log, {
      revoke,
      notify: (userId, frame) => {
        for (const ws of connections.socketsOf(userId)) delivery.send(ws, frame);
      },
      frame: (sessionId, frame) => delivery.publish(sessionId, frame),
      control: (ev) => rooms.applyControl(ev),
      helloAcknowledged: (sessionId) => rooms.helloAcknowledged(sessionId),
      sessionIds: () => rooms.ids(),
      resubscribed: () => {
        let told = 0;
        for (const ws of connections.sockets) {
          const { sessions } = ws.getUserData();
          if (!sessions.length) continue;
          delivery.send(ws, frames.resync(sessions));
          told++;
        }
        log.info({ sockets: told }, 'chat: sockets told to resync');
      },
    });
  } catch (e) {
    (app as TemplatedApp & { close?: () => void }).close?.();
    throw e;
  }
  const sub = subscriber;
  // this process's own events (its services publish on the bus): delivered here at once
  const detach = bus.attach({ frame: (sessionId, frame) => delivery.publish(sessionId, frame), control: (ev) => rooms.applyControl(ev) });

  app
    .get('/healthz', (res) => sendJson(res, 200, 'application/json', JSON.stringify({ status: 'ok' })))
    // readiness: the database and Redis answer, and the subscriber connection (frames of the other replicas) is up
    .get('/readyz', (res) => {
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void Promise.all([probe(() => ctx.prisma.$queryRawUnsafe('SELECT 1')), probe(() => ctx.redis.ping())]).then(([database, redis]) => {
        if (aborted) return;
        const checks = { database, redis: redis === 'ok' && !sub.connected ? 'error: the subscriber connection is down' : redis };
        const failing = Object.keys(checks).filter((k) => checks[k as keyof typeof checks] !== 'ok');
        if (failing.length) sendProblem(res, new UnavailableError('not_ready', `Not ready: ${failing.join(', ')}.`, { extra: { checks } }));
        else sendJson(res, 200, 'application/json', JSON.stringify({ status: 'ok', checks }));
      });
    })
    .get(
      '/metrics',
      metricsHandler(ctx.config.metricsToken, metrics, () => connections.size),
    )
    .ws<SocketData>('/ws', {
      maxPayloadLength: config.maxPayloadBytes,
      // 0: uWS never drops silently; the limit is enforced in delivery.ts
      maxBackpressure: 0,
      closeOnBackpressureLimit: 0,
      idleTimeout: config.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      compression: uws.DISABLED,
      upgrade: createUpgradeHandler({ redeemer, metrics, log, connections, anchor, stopping: isStopping }),
      open: (ws) => {
        const data = ws.getUserData();
        if (isCorkAnchor(data)) return anchor.opened(ws);
        connections.add(ws);
        metrics.connectionsOpened.inc();
        metrics.connections.set(connections.size);
        log.debug({ connId: connections.idOf(data), userId: data.user.id }, 'chat socket opened');
      },
      message: (ws, message, isBinary) => {
        if (!isCorkAnchor(ws.getUserData())) dispatcher.onMessage(ws, message, isBinary);
      },
      drain: () => undefined,
      close: (ws, code, message) => {
        const data = ws.getUserData();
        data.closed = true;
        if (isCorkAnchor(data)) return anchor.dropped(ws);
        connections.remove(ws);
        for (const sessionId of [...data.sessions]) rooms.leave(ws, sessionId, 'closed');
        metrics.connections.set(connections.size);
        log.debug({ connId: connections.idOf(data), userId: data.user.id, code, reason: Buffer.from(message).toString('utf8') }, 'chat socket closed');
      },
    })
    .any('/*', (res, req) => {
      sendProblem(res, new NotFoundError('not_found', `No route matches ${req.getCaseSensitiveMethod()} ${req.getUrl()}.`));
    });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`chat could not listen on ${host}:${port} (address in use or not available)`));
    });
  }).catch(async (e: unknown) => {
    detach();
    await sub.close();
    throw e;
  });
  const actualPort = uws.us_socket_local_port(listenSocket);
  log.info({ port: actualPort, host, replicaId: bus.origin }, 'chat listening');
  await anchor.open(host, actualPort);

  delivery.startSweep();
  const reports = await startConnectionReports(chat, bus.origin, () => connections.size, log);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      uws.us_listen_socket_close(listenSocket);
      anchor.close();
      delivery.stopSweep();
      reports.stop();
      // what was accepted is written and acknowledged before the sockets go
      await sender.flush();
      for (const ws of [...connections.sockets]) {
        try {
          ws.end(CloseCodes.goingAway, 'server shutting down');
        } catch {
          // already closed
        }
      }
      // Give closing handshakes a moment, then close what is left (idle keep-alive HTTP connections included),
      // so that nothing keeps the event loop alive. App.close() exists in this build but is not in its typings.
      for (let i = 0; i < 20 && connections.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
      (app as TemplatedApp & { close?: () => void }).close?.();
      connections.clear();
      rooms.clear();
      detach();
      await chat.dropReplica(bus.origin).catch(() => undefined);
      await sub.close();
      log.info('chat stopped');
    })());

  return { port: actualPort, replicaId: bus.origin, metrics, connections: () => connections.size, stop };
}
