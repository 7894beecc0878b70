// The chat process's server on uWebSockets.js (native only): /healthz, /metrics, and /ws — the chat protocol
// (docs/chat-protocol.md).
//   auth        the upgrade handler consumes the single-use ticket (?ticket=…) before any socket exists; no ticket
//               or a bad one is a 401 problem and the connection closes.
//   sessions    `join` checks access through ChatService (Redis-cached), subscribes the socket to the session's uWS
//               topic and this replica to the session's Redis channel (ChatBus).
//   messages    `send` is validated, rate limited, then queued for the group-commit writer; after the commit the
//               sender gets `ack` and the `message` frame is published once: locally (uWS topic) and through Redis
//               to the other replicas, which ignore their own origin.
//   safety      slow consumers (send buffer above CHAT_MAX_BACKPRESSURE_BYTES) are closed with 4008, repeated
//               invalid frames with 1008, revoked users (ban, password change, logout-all) with 4001 on every
//               replica, shutdown with 1001 after pending messages are written.
import crypto from 'node:crypto';
import type { HttpResponse, TemplatedApp, WebSocket, us_listen_socket, us_socket_context_t } from 'uWebSockets.js';
import type { Context } from '../context.js';
import { AppError, NotFoundError, ServiceUnavailableError, UnauthorizedError, problemOf, toAppError } from '../http/errors.js';
import { prefixedChannel, redisChannels } from '../platform/keys.js';
import { runWithLogContext } from '../platform/log-context.js';
import { closeRedis, createRedis } from '../platform/redis.js';
import { isStaffRole } from '../users/schemas.js';
import type { ChatViewer } from './access.js';
import { ChatBus, type ChatControl, type SessionSnapshot } from './bus.js';
import { frames, type Ref } from './frames.js';
import { createChatMetrics, type ChatMetrics } from './metrics.js';
import { FrameParser, type ClientFrame } from './protocol.js';
import type { CommitResult, PendingMessage } from './service.js';
import { assertNativeUws } from './uws.js';
import { GroupCommitWriter } from './writer.js';

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

/** Close codes the server uses (docs/chat-protocol.md). */
export const CloseCodes = {
  goingAway: 1001,
  policyViolation: 1008,
  revoked: 4001,
  slowConsumer: 4008,
} as const;

// Per-socket state is kept small: 10,000 idle sockets should cost < 4 KB each (bench:chat), so there are plain
// arrays replaced on change instead of Sets, a number instead of a connection-id string, and no map of joins in
// progress once they are done.
interface SocketData {
  /** Connection number on this replica; the log's connection id is `connIdOf(data)`. */
  conn: number;
  user: ChatViewer;
  /** Joined sessions (never mutated: replaced by a new array). */
  sessions: readonly number[];
  /** Joins in progress (frames for that session wait for them); null when there are none. */
  joining: Map<number, Promise<void>> | null;
  invalid: number;
  closed: boolean;
  /** Subscribed to its own reply topic (replyTopicOf(conn)): on its first send. */
  replies: boolean;
}
type Ws = WebSocket<SocketData>;

interface Room {
  sockets: Set<Ws>;
  /** sockets in the room plus joins in progress; the Redis channel is subscribed while > 0 */
  refs: number;
  ready: Promise<unknown>;
  state: SessionSnapshot;
  /** local sockets per user, for presence */
  online: Map<number, number>;
  /** While this replica's hello on the session channel waits for the other replicas' acks */
  hello?: { ack(): void };
}

interface UserEntry {
  /** This user's sockets here (never mutated: replaced by a new array). */
  sockets: readonly Ws[];
  tokens: number;
  refilledAt: number;
}

type QueuedMessage = PendingMessage & { ws: Ws };

/** The Redis connection name of a replica's subscriber, so that CLIENT LIST tells the replicas apart. */
export const subscriberName = (replicaId: string) => `chat-sub:${replicaId.replace(/[^\w:.-]/g, '_')}`;

const statusLines: Record<number, string> = { 200: '200 OK', 401: '401 Unauthorized', 404: '404 Not Found', 500: '500 Internal Server Error', 503: '503 Service Unavailable' };
const topicOf = (sessionId: number) => `s:${sessionId}`;
/** A socket's own topic, for the acks and errors of its messages (see the writer below). */
const replyTopicOf = (conn: number) => `c:${conn}`;
const NONE: readonly never[] = Object.freeze([]);
const without = <T>(list: readonly T[], item: T): readonly T[] => (list.length === 1 && list[0] === item ? NONE : list.filter((x) => x !== item));
const SWEEP_MS = 250;
/** How long a replica that subscribed to a session waits for the other replicas to acknowledge its hello. */
const HELLO_TIMEOUT_MS = 2_000;
const HEARTBEAT_MS = 5_000;

function sendJson(res: HttpResponse, status: number, contentType: string, body: string, closeConnection = false): void {
  res.cork(() => {
    res
      .writeStatus(statusLines[status] ?? String(status))
      .writeHeader('Content-Type', contentType)
      .writeHeader('Cache-Control', 'no-store')
      .end(body, closeConnection);
  });
}

function sendProblem(res: HttpResponse, err: AppError, closeConnection = false): void {
  sendJson(res, err.status, 'application/problem+json', JSON.stringify(problemOf(err)), closeConnection);
}

export async function startChat(ctx: Context, port = ctx.config.chatPort, host = ctx.config.host): Promise<RunningChat> {
  const uws = assertNativeUws();
  const log = ctx.logger;
  const cfg = ctx.config.chat;
  const chat = ctx.services.chat;
  const bus = chat.bus;
  const metrics = createChatMetrics();
  const parser = new FrameParser(cfg.maxMessageLength);
  const sockets = new Set<Ws>();
  const rooms = new Map<number, Room>();
  const users = new Map<number, UserEntry>();
  const connPrefix = crypto.randomBytes(3).toString('hex');
  let connCounter = 0;
  const connIdOf = (data: SocketData) => `${connPrefix}-${data.conn.toString(36)}`;
  let stopping = false;
  let publishedSinceSweep = false;
  const dirtyRooms = new Set<number>();
  let checkScheduled = false;

  // ---- Redis: one subscriber connection for session channels and revocations --------------------------------
  const sub = createRedis({ redisUrl: ctx.config.redisUrl, redisPrefix: '' }, subscriberName(bus.origin));
  sub.on('error', (err: Error) => log.warn({ err: err.message }, 'chat subscriber connection error'));
  const revocations = prefixedChannel(ctx.config.redisPrefix, redisChannels.chatRevocations());
  const ownOrigin = `${bus.origin}\n`;
  sub.on('message', (channel: string, raw: string) => {
    if (channel === revocations) return revokeUser(Number(raw));
    if (raw.startsWith(ownOrigin)) return; // this replica delivered it already
    const sessionId = bus.sessionOfChannel(channel);
    const msg = sessionId === null ? null : ChatBus.parse(raw);
    if (sessionId === null || !msg) return;
    if (msg.control) {
      const c = msg.control;
      if (c.kind === 'replica_hello') {
        // another replica subscribed: this one publishes the session's frames again, then says it does
        bus.peerJoined(sessionId);
        bus.helloAck(sessionId, msg.origin).catch((e: unknown) => log.warn({ err: (e as Error).message, sessionId }, 'chat: could not answer a replica hello'));
        return;
      }
      if (c.kind === 'replica_hello_ack') {
        if (c.to === bus.origin) rooms.get(sessionId)?.hello?.ack();
        return;
      }
      metrics.relayed.inc();
      applyControl(c);
    } else {
      metrics.relayed.inc(msg.frames.length);
      for (const frame of msg.frames) deliverLocal(sessionId, frame);
    }
  });
  await sub.subscribe(revocations);
  // While the subscriber connection is down, everything goes through Redis (bus.ts). After a reconnect (ioredis
  // subscribes again by itself) the subscriptions are confirmed and the replica says hello on each of its sessions,
  // since another replica may have gone solo on a channel while this one was away from it.
  let subUp = true;
  sub.on('close', () => {
    if (!subUp) return;
    subUp = false;
    bus.subscriberDown();
  });
  sub.on('ready', () => {
    if (subUp) return;
    subUp = true;
    const ids = [...rooms.keys()];
    (ids.length ? sub.subscribe(...ids.map((id) => bus.channel(id))).then(() => Promise.all(ids.map((id) => bus.hello(id)))) : Promise.resolve()).then(
      () => {
        if (subUp) bus.subscriberUp();
      },
      (e: unknown) => log.warn({ err: (e as Error).message }, 'chat: could not say hello again after a reconnect; every session stays on Redis'),
    );
  });

  // ---- sending ----------------------------------------------------------------------------------------------
  // prom-client hashes the labels on every labelled inc(); the per-type children are bound once instead
  const inByType = new Map<string, { inc(): void }>();
  function countIn(type: string): void {
    let child = inByType.get(type);
    if (!child) inByType.set(type, (child = metrics.messagesIn.labels(type)));
    child.inc();
  }

  function cut(ws: Ws, code: number, reason: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    log.info({ connId: connIdOf(data), userId: data.user.id, code, reason }, 'chat socket closed by the server');
    try {
      ws.end(code, reason);
    } catch {
      // already closing
    }
  }

  function send(ws: Ws, text: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    ws.cork(() => ws.send(text, false, false));
    metrics.messagesOut.inc();
    if (ws.getBufferedAmount() > cfg.maxBackpressureBytes) dropSlow(ws);
  }

  function dropSlow(ws: Ws): void {
    if (ws.getUserData().closed) return;
    metrics.slowConsumersDropped.inc();
    cut(ws, CloseCodes.slowConsumer, 'slow consumer');
  }

  function deliverLocal(sessionId: number, frame: string): void {
    const topic = topicOf(sessionId);
    const n = app.numSubscribers(topic);
    if (!n) return;
    app.publish(topic, frame, false, false);
    metrics.messagesOut.inc(n);
    publishedSinceSweep = true;
    dirtyRooms.add(sessionId);
    if (!checkScheduled) {
      checkScheduled = true;
      setImmediate(checkDirtyRooms);
    }
  }

  /** Slow consumers among the sockets of the sessions published to during the last tick. */
  function checkDirtyRooms(): void {
    checkScheduled = false;
    for (const sessionId of dirtyRooms) {
      const room = rooms.get(sessionId);
      if (room) for (const ws of room.sockets) if (ws.getBufferedAmount() > cfg.maxBackpressureBytes) dropSlow(ws);
    }
    dirtyRooms.clear();
  }

  function sendError(ws: Ws, code: string, message: string, extra: { clientMsgId?: string; ref?: Ref; sessionId?: number } = {}): void {
    send(ws, frames.error(code, message, extra));
  }

  function sendAppError(ws: Ws, err: unknown, extra: { clientMsgId?: string; ref?: Ref; sessionId?: number }): void {
    const known = toAppError(err);
    if (!known) log.error({ err, connId: connIdOf(ws.getUserData()) }, 'chat request failed');
    const e = known ?? new AppError(500, 'internal_error', 'An unexpected error occurred.');
    sendError(ws, e.code, e.message, extra);
  }

  // ---- rooms ------------------------------------------------------------------------------------------------
  async function acquire(sessionId: number, state: SessionSnapshot): Promise<Room> {
    let room = rooms.get(sessionId);
    if (!room) {
      const created: Room = { sockets: new Set(), refs: 0, ready: Promise.resolve(), state, online: new Map() };
      created.ready = subscribeAndHello(sessionId, created);
      rooms.set(sessionId, (room = created));
    }
    room.refs++;
    try {
      await room.ready;
    } catch (e) {
      release(sessionId, room);
      throw new ServiceUnavailableError('dependency_unavailable', `Redis is not reachable: ${(e as Error).message}`);
    }
    return room;
  }

  /** Subscribes to the session's channel, then says hello on it and waits until every other subscriber (replica)
   *  has acknowledged, so that none of them keeps that session's frames to itself any more (bus.ts). */
  async function subscribeAndHello(sessionId: number, room: Room): Promise<void> {
    await sub.subscribe(bus.channel(sessionId));
    let acks = 0;
    let others = Infinity;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (acks < others) return;
        clearTimeout(timer);
        room.hello = undefined;
        resolve();
      };
      room.hello = {
        ack: () => {
          acks++;
          check();
        },
      };
      timer = setTimeout(() => {
        log.warn({ sessionId, acks, others }, 'chat: not every replica acknowledged the hello in time');
        others = acks;
        check();
      }, HELLO_TIMEOUT_MS);
      timer.unref();
      bus.hello(sessionId).then(
        (subscribers) => {
          others = subscribers - 1; // this replica is one of them
          check();
        },
        (e: unknown) => {
          // the other replicas may not know this one listens: the join fails (503) rather than miss messages
          clearTimeout(timer);
          room.hello = undefined;
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
    await done;
    if (rooms.get(sessionId) === room) bus.track(sessionId);
  }

  function release(sessionId: number, room: Room): void {
    room.refs--;
    if (room.refs > 0 || rooms.get(sessionId) !== room) return;
    rooms.delete(sessionId);
    bus.untrack(sessionId);
    sub.unsubscribe(bus.channel(sessionId)).catch(() => undefined);
  }

  /** Takes a socket out of a room (leave, removal, close); tells the others when its user is gone from here. */
  function leaveRoom(ws: Ws, sessionId: number, reason: 'leave' | 'removed' | 'deleted' | 'hidden' | 'closed', ref?: Ref): void {
    const data = ws.getUserData();
    const room = rooms.get(sessionId);
    if (!data.sessions.includes(sessionId) || !room) return;
    data.sessions = without(data.sessions, sessionId);
    room.sockets.delete(ws);
    if (!data.closed) {
      ws.unsubscribe(topicOf(sessionId));
      if (reason !== 'closed') send(ws, frames.left(sessionId, reason, ref));
    }
    const left = (room.online.get(data.user.id) ?? 1) - 1;
    if (left > 0) room.online.set(data.user.id, left);
    else {
      room.online.delete(data.user.id);
      if (reason !== 'deleted') bus.publishFrame(sessionId, frames.presence(sessionId, data.user.id, 'offline'));
    }
    release(sessionId, room);
  }

  async function join(ws: Ws, sessionId: number, ref?: Ref): Promise<void> {
    const data = ws.getUserData();
    if (data.sessions.includes(sessionId)) {
      send(ws, frames.joined(rooms.get(sessionId)!.state, ref));
      return;
    }
    const { session } = await chat.join(data.user, sessionId, rooms.get(sessionId)?.state);
    if (data.closed) return;
    const room = await acquire(sessionId, session);
    if (data.closed || data.sessions.includes(sessionId)) return release(sessionId, room);
    room.state = session;
    data.sessions = [...data.sessions, sessionId];
    room.sockets.add(ws);
    ws.subscribe(topicOf(sessionId));
    const count = (room.online.get(data.user.id) ?? 0) + 1;
    room.online.set(data.user.id, count);
    send(ws, frames.joined(session, ref));
    if (count === 1) bus.publishFrame(sessionId, frames.presence(sessionId, data.user.id, 'online'));
  }

  // ---- control events (this process's services, or another replica through Redis) ---------------------------
  function applyControl(ev: ChatControl): void {
    const room = rooms.get(ev.sessionId);
    if (!room) return;
    if (ev.kind === 'member_removed') {
      for (const ws of [...room.sockets]) if (ws.getUserData().user.id === ev.userId && !isStaffRole(ws.getUserData().user.role)) leaveRoom(ws, ev.sessionId, 'removed');
    } else if (ev.kind === 'session_deleted') {
      for (const ws of [...room.sockets]) leaveRoom(ws, ev.sessionId, 'deleted');
    } else if (ev.kind === 'session_updated') {
      room.state = ev.session;
      deliverLocal(ev.sessionId, frames.session(ev.session));
      if (!ev.session.isVisible) for (const ws of [...room.sockets]) if (!isStaffRole(ws.getUserData().user.role)) leaveRoom(ws, ev.sessionId, 'hidden');
    }
  }
  const detach = bus.attach({ frame: deliverLocal, control: applyControl });

  function revokeUser(userId: number): void {
    const entry = users.get(userId);
    if (!entry) return;
    for (const ws of [...entry.sockets]) {
      metrics.revokedClosed.inc();
      cut(ws, CloseCodes.revoked, 'session revoked');
    }
  }

  // ---- sending messages: rate limit, group commit, ack, fan-out ---------------------------------------------
  function takeToken(userId: number): boolean {
    const entry = users.get(userId);
    if (!entry) return false;
    const now = performance.now();
    entry.tokens = Math.min(cfg.sendBurst, entry.tokens + ((now - entry.refilledAt) / 1000) * cfg.sendRatePerSecond);
    entry.refilledAt = now;
    if (entry.tokens < 1) return false;
    entry.tokens -= 1;
    return true;
  }

  // After a commit, each message's ack (or error) is published to its sender's own topic, then the batch's
  // `message` frames to the session topics. uWS queues what is published during a tick and writes, per socket, all
  // of it in one write at the start of the next loop iteration, in publish order: a sender's ack and the frames of
  // its session leave together. Sending the acks directly costs one more write per message (at saturation, acks
  // were 60 % of the chat process's send calls); sending them after the publishes in a cork does not help either:
  // this uWS build's topic drain may end that cork early (measured: the frames in one write, then each ack alone).
  const writer = new GroupCommitWriter<QueuedMessage>(
    (batch) => chat.commitMessages(batch),
    (batch: QueuedMessage[], results: CommitResult[]) => {
      const fanout: { sessionId: number; frame: string }[] = [];
      for (let i = 0; i < batch.length; i++) {
        const m = batch[i];
        const r = results[i];
        if (!r.ok) {
          metrics.writeFailures.inc();
          reply(m.ws, frames.error(r.code, r.message, { clientMsgId: m.clientMsgId, sessionId: m.sessionId }));
          continue;
        }
        const createdAt = r.createdAt.toISOString();
        reply(m.ws, frames.ack(m.clientMsgId, r.id, createdAt));
        if (r.duplicate) continue; // a resend: its message frame went out with the original
        metrics.messagesStored.inc();
        fanout.push({ sessionId: m.sessionId, frame: frames.message({ sessionId: m.sessionId, id: r.id, authorId: m.authorId, content: m.content, clientMsgId: m.clientMsgId, createdAt }) });
      }
      bus.publishFrames(fanout);
    },
    { intervalMs: cfg.flushIntervalMs, maxBatch: cfg.flushMaxBatch },
    metrics,
    log,
  );

  /** An answer to a socket's `send`, queued behind what was published to it before (see above). */
  function reply(ws: Ws, text: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    app.publish(replyTopicOf(data.conn), text, false, false);
    metrics.messagesOut.inc();
    publishedSinceSweep = true;
  }

  function handleSend(ws: Ws, f: Extract<ClientFrame, { type: 'send' }>): void {
    const data = ws.getUserData();
    const extra = { clientMsgId: f.clientMsgId, sessionId: f.sessionId };
    if (stopping) return sendError(ws, 'shutting_down', 'The server is shutting down; send again after reconnecting.', extra);
    const room = data.sessions.includes(f.sessionId) ? rooms.get(f.sessionId) : undefined;
    if (!room) return sendError(ws, 'not_joined', 'Join the session before sending to it.', extra);
    if (room.state.isClosed) return sendError(ws, 'chat_session_closed', 'The session is closed (read-only).', extra);
    if (!takeToken(data.user.id)) {
      metrics.rateLimited.inc();
      return sendError(ws, 'rate_limited', 'Too many messages; slow down.', extra);
    }
    if (!data.replies) {
      ws.subscribe(replyTopicOf(data.conn));
      data.replies = true;
    }
    writer.submit({ sessionId: f.sessionId, authorId: data.user.id, clientMsgId: f.clientMsgId, content: f.content, ws });
  }

  // ---- frames -----------------------------------------------------------------------------------------------
  function invalid(ws: Ws, code: string, message: string, extra: { clientMsgId?: string; ref?: Ref } = {}): void {
    const data = ws.getUserData();
    countIn('invalid');
    data.invalid++;
    sendError(ws, code, message, extra);
    if (data.invalid >= cfg.maxInvalidFrames) {
      metrics.abusiveClosed.inc();
      cut(ws, CloseCodes.policyViolation, 'too many invalid frames');
    }
  }

  function handle(ws: Ws, f: ClientFrame): void {
    const data = ws.getUserData();
    countIn(f.type);
    if (f.type === 'ping') return send(ws, frames.pong(f.ref));
    // frames for a session wait for a join of it in progress (a client may pipeline join + send)
    const pendingJoin = data.joining?.get(f.sessionId);
    if (pendingJoin) {
      void pendingJoin.then(() => handle2(ws, f));
      return;
    }
    handle2(ws, f);
  }

  function handle2(ws: Ws, f: Exclude<ClientFrame, { type: 'ping' }>): void {
    const data = ws.getUserData();
    if (data.closed) return;
    switch (f.type) {
      case 'send':
        return handleSend(ws, f);
      case 'join': {
        const p = join(ws, f.sessionId, f.ref)
          .catch((e: unknown) => sendAppError(ws, e, { sessionId: f.sessionId, ref: f.ref }))
          .finally(() => {
            if (data.joining?.get(f.sessionId) !== p) return;
            data.joining.delete(f.sessionId);
            if (!data.joining.size) data.joining = null;
          });
        (data.joining ??= new Map()).set(f.sessionId, p);
        return;
      }
      case 'leave':
        if (!data.sessions.includes(f.sessionId)) return sendError(ws, 'not_joined', 'This socket has not joined that session.', { sessionId: f.sessionId, ref: f.ref });
        return leaveRoom(ws, f.sessionId, 'leave', f.ref);
      case 'typing': {
        if (!data.sessions.includes(f.sessionId)) return sendError(ws, 'not_joined', 'Join the session first.', { sessionId: f.sessionId });
        const frame = frames.typing(f.sessionId, data.user.id);
        ws.publish(topicOf(f.sessionId), frame, false, false); // everyone here but the typist
        bus.publishRemote(f.sessionId, frame);
        return;
      }
      case 'edit':
        chat.editMessage(data.user, f.sessionId, f.id, f.content).catch((e: unknown) => sendAppError(ws, e, { sessionId: f.sessionId, ref: f.ref }));
        return;
      case 'delete':
        chat.deleteMessage(data.user, f.sessionId, f.id).catch((e: unknown) => sendAppError(ws, e, { sessionId: f.sessionId, ref: f.ref }));
        return;
      case 'history':
        chat.historyBefore(data.user, f.sessionId, f.before, f.limit).then(
          (h) => send(ws, frames.history(f.sessionId, h.messages, h.hasMore, f.ref)),
          (e: unknown) => sendAppError(ws, e, { sessionId: f.sessionId, ref: f.ref }),
        );
        return;
    }
  }

  // ---- upgrades after an await ---------------------------------------------------------------------------------
  // uWS wants writes made after an await inside res.cork(), but in this build res.cork() around an upgrade may shut
  // the new WebSocket down right after `open` (a 1006 to the client; about 1 socket in 50 in the MariaDB chat suite):
  // after the callback, cork() reads the HTTP state from memory that now belongs to the WebSocket (the adopt's
  // realloc kept the address) and closes the connection if a "Connection: close" bit happens to be set there
  // (uNetworking/uWebSockets#1929, fixed upstream after the last build we can install). An upgrade outside any cork
  // works (the 101 is one write) but uWS prints a warning on stderr for each. So the upgrade runs while another open
  // socket holds the cork: then res.cork() only calls its callback (which counts as corked for the warning) and
  // never runs that code. With no socket open on the replica, the upgrade runs uncorked (and uWS warns once).
  function upgradeAfterAwait(res: HttpResponse, upgrade: () => void): void {
    const host = sockets.values().next().value;
    if (host) host.cork(() => res.cork(upgrade));
    else upgrade();
  }

  // ---- the app ----------------------------------------------------------------------------------------------
  const app: TemplatedApp = uws
    .App()
    .get('/healthz', (res) => sendJson(res, 200, 'application/json', JSON.stringify({ status: 'ok' })))
    .get('/metrics', (res) => {
      let aborted = false;
      res.onAborted(() => (aborted = true));
      metrics.connections.set(sockets.size);
      void metrics.registry.metrics().then((text) => {
        if (!aborted) sendJson(res, 200, metrics.registry.contentType, text);
      });
    })
    .ws<SocketData>('/ws', {
      maxPayloadLength: cfg.maxPayloadBytes,
      // uWS skips (silently) a subscriber whose buffer is above its own limit; ours is enforced first (sweep below)
      // 0: uWS never drops silently (it would skip a subscriber above its limit without telling anyone, and drop
      // the close frame too). Our limit is enforced instead: after every tick that published to a session (and
      // every direct send) sockets above CHAT_MAX_BACKPRESSURE_BYTES are closed with 4008, so a slow socket holds
      // at most the limit plus what one tick published to it.
      maxBackpressure: 0,
      closeOnBackpressureLimit: 0,
      idleTimeout: cfg.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      compression: uws.DISABLED,
      upgrade: (res, req, context: us_socket_context_t) => {
        const ticket = req.getQuery('ticket') ?? '';
        const key = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        if (!ticket) {
          metrics.upgradesRefused.inc({ reason: 'no_ticket' });
          return sendProblem(res, new UnauthorizedError('unauthorized', 'A chat ticket is required.'), true);
        }
        if (stopping) {
          metrics.upgradesRefused.inc({ reason: 'stopping' });
          return sendProblem(res, new ServiceUnavailableError('shutting_down', 'The chat server is shutting down.'), true);
        }
        let aborted = false;
        res.onAborted(() => (aborted = true));
        void (async () => {
          let user: ChatViewer | null;
          try {
            const userId = await ctx.sessions.consumeWsTicket(ticket);
            user = userId === null ? null : await chat.connectUser(userId);
          } catch (e) {
            log.warn({ err: (e as Error).message }, 'chat upgrade: ticket check failed');
            if (!aborted) sendProblem(res, new ServiceUnavailableError('dependency_unavailable', 'A backing service is not reachable; try again shortly.'), true);
            return;
          }
          if (aborted) return;
          if (!user) {
            metrics.upgradesRefused.inc({ reason: 'bad_ticket' });
            return sendProblem(res, new UnauthorizedError('invalid_ticket', 'The chat ticket is invalid, expired or already used.'), true);
          }
          if (stopping) return sendProblem(res, new ServiceUnavailableError('shutting_down', 'The chat server is shutting down.'), true);
          const data: SocketData = { conn: ++connCounter, user, sessions: NONE, joining: null, invalid: 0, closed: false, replies: false };
          upgradeAfterAwait(res, () => res.upgrade<SocketData>(data, key, protocol, extensions, context));
        })();
      },
      open: (ws) => {
        const data = ws.getUserData();
        sockets.add(ws);
        const entry = users.get(data.user.id);
        if (!entry) users.set(data.user.id, { sockets: [ws], tokens: cfg.sendBurst, refilledAt: performance.now() });
        else entry.sockets = [...entry.sockets, ws];
        metrics.connectionsOpened.inc();
        metrics.connections.set(sockets.size);
        log.debug({ connId: connIdOf(data), userId: data.user.id }, 'chat socket opened');
      },
      message: (ws, message, isBinary) => {
        const data = ws.getUserData();
        if (isBinary) return invalid(ws, 'binary_not_supported', 'Frames are JSON text; binary frames are not accepted.');
        const parsed = parser.parse(Buffer.from(message).toString('utf8'));
        if (parsed.error) return invalid(ws, parsed.error.code, parsed.error.message, { clientMsgId: parsed.error.clientMsgId, ref: parsed.error.ref });
        // sends (the hot path) are synchronous up to the writer and log nothing per connection; everything else
        // runs with the connection in its log context
        if (parsed.frame.type === 'send') handle(ws, parsed.frame);
        else runWithLogContext({ connectionId: connIdOf(data), userId: data.user.id }, () => handle(ws, parsed.frame));
      },
      drain: () => undefined,
      close: (ws, code, message) => {
        const data = ws.getUserData();
        data.closed = true;
        sockets.delete(ws);
        for (const sessionId of [...data.sessions]) leaveRoom(ws, sessionId, 'closed');
        const entry = users.get(data.user.id);
        if (entry) {
          entry.sockets = without(entry.sockets, ws);
          if (!entry.sockets.length) users.delete(data.user.id);
        }
        metrics.connections.set(sockets.size);
        log.debug({ connId: connIdOf(data), userId: data.user.id, code, reason: Buffer.from(message).toString('utf8') }, 'chat socket closed');
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
  }).catch(async (e: unknown) => {
    detach();
    await closeRedis(sub);
    throw e;
  });
  const actualPort = uws.us_socket_local_port(listenSocket);
  log.info({ port: actualPort, host, replicaId: bus.origin }, 'chat listening');

  // slow consumers, again: uWS may write a publish out after the tick's check, so every socket is looked at too
  const sweep = setInterval(() => {
    if (!publishedSinceSweep) return;
    publishedSinceSweep = false;
    for (const ws of sockets) if (!ws.getUserData().closed && ws.getBufferedAmount() > cfg.maxBackpressureBytes) dropSlow(ws);
  }, SWEEP_MS);
  sweep.unref();
  // this replica's socket count, for ChatService.activeConnections() (admin panel)
  // (written when it changed, at most every second, and at least every HEARTBEAT_MS so the TTL never lapses)
  let reported = { count: -1, at: 0 };
  const report = async () => {
    const count = sockets.size;
    if (count === reported.count && Date.now() - reported.at < HEARTBEAT_MS) return;
    reported = { count, at: Date.now() };
    await chat.reportConnections(bus.origin, count).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'chat: could not report the connection count'));
  };
  await report();
  const heartbeat = setInterval(() => void report(), 1_000);
  heartbeat.unref();

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      uws.us_listen_socket_close(listenSocket);
      clearInterval(sweep);
      clearInterval(heartbeat);
      // what was accepted is written and acknowledged before the sockets go
      await writer.flush();
      for (const ws of [...sockets]) {
        try {
          ws.end(CloseCodes.goingAway, 'server shutting down');
        } catch {
          // already closed
        }
      }
      // Give closing handshakes a moment, then close what is left (idle keep-alive HTTP connections included),
      // so that nothing keeps the event loop alive. App.close() exists in this build but is not in its typings.
      for (let i = 0; i < 20 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
      (app as TemplatedApp & { close?: () => void }).close?.();
      sockets.clear();
      rooms.clear();
      users.clear();
      detach();
      await chat.dropReplica(bus.origin).catch(() => undefined);
      await closeRedis(sub);
      log.info('chat stopped');
    })());

  return { port: actualPort, replicaId: bus.origin, metrics, connections: () => sockets.size, stop };
}
