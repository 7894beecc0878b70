// Client frames, from the raw WebSocket message to the handler of their type (docs/chat-protocol.md): parsed and
// validated (protocol.ts), counted, checked against the socket's budget (frame-limits.ts), then run. Frames for a
// session whose join is still in progress wait for it. Invalid frames and refused joins are answered with an error
// frame and counted per socket; CHAT_MAX_INVALID_FRAMES of them close the socket with 1008.
import type { Config } from '../config.js';
import { toAppError } from '../platform/known-errors.js';
import type { Logger } from '../platform/logger.js';
import { runWithLogContext } from '../platform/log-context.js';
import type { ChatBus } from './bus.js';
import { CloseCodes, type ChatSocket, type ErrorContext } from './connection.js';
import type { ConnectionRegistry } from './connections.js';
import type { Delivery } from './delivery.js';
import { FrameLimits, type LimitedFrame } from './frame-limits.js';
import { frames } from './frames.js';
import type { MessageSender } from './message-sender.js';
import type { ChatMetrics } from './metrics.js';
import { FrameParser, type ClientFrame } from './protocol.js';
import type { RoomRegistry } from './rooms.js';
import type { ChatService } from './service.js';

type SessionFrame = Exclude<ClientFrame, { type: 'ping' }>;

export interface FrameDispatchDependencies {
  chat: ChatService;
  bus: ChatBus;
  config: Config['chat'];
  metrics: ChatMetrics;
  log: Logger;
  delivery: Delivery;
  rooms: RoomRegistry;
  sender: MessageSender;
  connections: ConnectionRegistry;
}

export class FrameDispatcher {
  private readonly parser: FrameParser;
  // prom-client hashes the labels on every labelled inc(); the per-type children are bound once instead
  private readonly inByType = new Map<string, { inc(): void }>();
  private readonly limitedByType = new Map<string, { inc(): void }>();

  constructor(private readonly deps: FrameDispatchDependencies) {
    this.parser = new FrameParser(deps.config.maxMessageLength);
  }

  /** A WebSocket message from a client. */
  onMessage(ws: ChatSocket, message: ArrayBuffer, isBinary: boolean): void {
    const data = ws.getUserData();
    if (isBinary) return this.invalid(ws, 'binary_not_supported', 'Frames are JSON text; binary frames are not accepted.');
    const parsed = this.parser.parse(Buffer.from(message).toString('utf8'));
    if (parsed.error) return this.invalid(ws, parsed.error.code, parsed.error.message, { clientMsgId: parsed.error.clientMsgId, ref: parsed.error.ref });
    // sends (the hot path) are synchronous up to the writer and log nothing per connection; everything else
    // runs with the connection in its log context
    if (parsed.frame.type === 'send') this.dispatch(ws, parsed.frame);
    else runWithLogContext({ connectionId: this.deps.connections.idOf(data), userId: data.user.id }, () => this.dispatch(ws, parsed.frame));
  }

  private countIn(type: string): void {
    let child = this.inByType.get(type);
    if (!child) this.inByType.set(type, (child = this.deps.metrics.messagesIn.labels(type)));
    child.inc();
  }

  private invalid(ws: ChatSocket, code: string, message: string, extra: ErrorContext = {}): void {
    this.countIn('invalid');
    this.deps.delivery.error(ws, code, message, extra);
    this.strike(ws);
  }

  /** One more invalid frame (or refused join) of this socket: at CHAT_MAX_INVALID_FRAMES it is closed with 1008. */
  private strike(ws: ChatSocket): void {
    const data = ws.getUserData();
    data.invalid++;
    if (data.invalid >= this.deps.config.maxInvalidFrames) {
      this.deps.metrics.abusiveClosed.inc();
      this.deps.delivery.close(ws, CloseCodes.policyViolation, 'too many invalid frames');
    }
  }

  /** Takes the frame's token from the socket's budget; over it, answers `rate_limited` and returns false. */
  private withinBudget(ws: ChatSocket, f: LimitedFrame): boolean {
    const data = ws.getUserData();
    if ((data.limits ??= new FrameLimits()).allow(f.type, this.deps.config)) return true;
    let child = this.limitedByType.get(f.type);
    if (!child) this.limitedByType.set(f.type, (child = this.deps.metrics.rateLimited.labels(f.type)));
    child.inc();
    const extra: ErrorContext = {};
    if ('sessionId' in f) extra.sessionId = f.sessionId;
    if ('ref' in f && f.ref !== undefined) extra.ref = f.ref;
    this.deps.delivery.error(ws, 'rate_limited', `Too many ${f.type} frames; slow down.`, extra);
    return false;
  }

  private dispatch(ws: ChatSocket, f: ClientFrame): void {
    const data = ws.getUserData();
    this.countIn(f.type);
    if (f.type !== 'send' && !this.withinBudget(ws, f)) return;
    if (f.type === 'ping') return this.deps.delivery.send(ws, frames.pong(f.ref));
    // frames for a session wait for a join of it in progress (a client may pipeline join + send)
    const pendingJoin = data.joining?.get(f.sessionId);
    if (pendingJoin) {
      void pendingJoin.then(() => this.runSessionFrame(ws, f));
      return;
    }
    this.runSessionFrame(ws, f);
  }

  private runSessionFrame(ws: ChatSocket, f: SessionFrame): void {
    const { chat, delivery, rooms } = this.deps;
    const data = ws.getUserData();
    if (data.closed) return;
    switch (f.type) {
      case 'send':
        return this.deps.sender.submit(ws, f);
      case 'read':
        return this.deps.sender.submitRead(ws, f);
      case 'join':
        return this.join(ws, f);
      case 'leave':
        if (!data.sessions.includes(f.sessionId)) return delivery.error(ws, 'not_joined', 'This socket has not joined that session.', { sessionId: f.sessionId, ref: f.ref });
        return rooms.leave(ws, f.sessionId, 'leave', f.ref);
      case 'typing':
        return this.typing(ws, f.sessionId);
      case 'edit':
        chat.editMessage(data.user, f.sessionId, f.id, f.content).catch((e: unknown) => delivery.appError(ws, e, { sessionId: f.sessionId, ref: f.ref }));
        return;
      case 'delete':
        chat.deleteMessage(data.user, f.sessionId, f.id).catch((e: unknown) => delivery.appError(ws, e, { sessionId: f.sessionId, ref: f.ref }));
        return;
      case 'history': {
        const limits = data.limits!;
        limits.historyInFlight++;
        chat
          .historyBefore(data.user, f.sessionId, f.before, f.limit)
          .then(
            (h) => delivery.send(ws, frames.history(f.sessionId, h.messages, h.hasMore, f.ref)),
            (e: unknown) => delivery.appError(ws, e, { sessionId: f.sessionId, ref: f.ref }),
          )
          .finally(() => limits.historyInFlight--);
        return;
      }
    }
  }

  private join(ws: ChatSocket, f: Extract<ClientFrame, { type: 'join' }>): void {
    const data = ws.getUserData();
    const p = this.deps.rooms
      .join(ws, f.sessionId, f.ref, f.after)
      .catch((e: unknown) => {
        this.deps.delivery.appError(ws, e, { sessionId: f.sessionId, ref: f.ref });
        // a join of a session that does not exist (for this user) counts as an invalid frame
        if (toAppError(e)?.code === 'chat_session_not_found') this.strike(ws);
      })
      .finally(() => {
        if (data.joining?.get(f.sessionId) !== p) return;
        data.joining.delete(f.sessionId);
        if (!data.joining.size) data.joining = null;
      });
    (data.joining ??= new Map()).set(f.sessionId, p);
  }

  private typing(ws: ChatSocket, sessionId: number): void {
    const data = ws.getUserData();
    if (!data.sessions.includes(sessionId)) return this.deps.delivery.error(ws, 'not_joined', 'Join the session first.', { sessionId });
    if (!this.deps.rooms.typingMayGoOut(sessionId, data.user.id)) return; // coalesced (rooms.ts)
    const frame = frames.typing(sessionId, data.user.id);
    this.deps.delivery.publishFrom(ws, sessionId, frame); // everyone here but the typist
    this.deps.bus.publishRemote(sessionId, frame);
  }
}
