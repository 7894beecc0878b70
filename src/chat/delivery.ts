// Every frame the server sends to a client goes through here: direct sends, session fan-out (uWS topics: messages,
// typing, presence, edits, deletes, session changes, whether from this process or relayed from another) and
// replies to `send`, and so does the slow-consumer check. uWS itself is told never to drop (maxBackpressure 0:
// it would skip a subscriber silently and lose the close frame too); instead a socket with more than
// CHAT_MAX_BACKPRESSURE_BYTES unsent is closed with 4008, checked after every direct send, after every tick that
// published to a session (that session's sockets), and every SWEEP_MS over all sockets (uWS may write a publish
// out after the tick's check). A slow socket thus holds at most the limit plus what one tick published to it.
import type { TemplatedApp } from 'uWebSockets.js';
import { InternalError } from '../errors.js';
import { toAppError } from '../platform/known-errors.js';
import type { Logger } from '../platform/logger.js';
import { CloseCodes, replyTopic, sessionTopic, type ChatSocket, type ErrorContext } from './connection.js';
import type { ConnectionRegistry } from './connections.js';
import { errorFrameOf, frames } from './frames.js';
import type { ChatMetrics } from './metrics.js';

const SWEEP_MS = 250;

export interface DeliveryOptions {
  maxBackpressureBytes: number;
  metrics: ChatMetrics;
  log: Logger;
  connections: ConnectionRegistry;
  /** The local sockets joined to a session (rooms.ts). */
  socketsInSession(sessionId: number): Iterable<ChatSocket> | undefined;
  /** Sees every frame published to a session (rooms.ts: sockets resuming it keep them until their replay is out). */
  capture(sessionId: number, frame: string, from?: ChatSocket): void;
}

export class Delivery {
  private publishedSinceSweep = false;
  private readonly dirtySessions = new Set<number>();
  private checkScheduled = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly limit: number;

  constructor(
    private readonly app: TemplatedApp,
    private readonly opts: DeliveryOptions,
  ) {
    this.limit = opts.maxBackpressureBytes;
  }

  /** One frame to one socket. */
  send(ws: ChatSocket, text: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    ws.cork(() => ws.send(text, false, false));
    this.opts.metrics.messagesOut.inc();
    if (ws.getBufferedAmount() > this.limit) this.dropSlow(ws);
  }

  /** Several frames to one socket, in one write. */
  sendMany(ws: ChatSocket, texts: readonly string[]): void {
    const data = ws.getUserData();
    if (data.closed || !texts.length) return;
    ws.cork(() => {
      for (const text of texts) ws.send(text, false, false);
    });
    this.opts.metrics.messagesOut.inc(texts.length);
    if (ws.getBufferedAmount() > this.limit) this.dropSlow(ws);
  }

  /** One frame to every local socket joined to the session. */
  publish(sessionId: number, frame: string): void {
    this.opts.capture(sessionId, frame);
    const topic = sessionTopic(sessionId);
    const n = this.app.numSubscribers(topic);
    if (!n) return;
    this.app.publish(topic, frame, false, false);
    this.published(sessionId, n);
  }

  /** One frame to every local socket joined to the session except `from` (which must have joined it). */
  publishFrom(from: ChatSocket, sessionId: number, frame: string): void {
    this.opts.capture(sessionId, frame, from);
    const topic = sessionTopic(sessionId);
    const n = this.app.numSubscribers(topic) - 1;
    if (n <= 0) return;
    from.publish(topic, frame, false, false);
    this.published(sessionId, n);
  }

  /** An answer to a socket's `send`, queued behind what was published to it before (message-sender.ts). */
  reply(ws: ChatSocket, text: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    this.app.publish(replyTopic(data.conn), text, false, false);
    this.opts.metrics.messagesOut.inc();
    this.publishedSinceSweep = true;
  }

  error(ws: ChatSocket, code: string, message: string, extra: ErrorContext = {}): void {
    this.send(ws, frames.error(code, message, extra));
  }

  /** An error thrown by a service, as an error frame (unknown errors are logged and become `internal_error`). */
  appError(ws: ChatSocket, err: unknown, extra: ErrorContext): void {
    const known = toAppError(err);
    if (!known) this.opts.log.error({ err, connId: this.opts.connections.idOf(ws.getUserData()) }, 'chat request failed');
    const e = known ?? new InternalError();
    this.send(ws, errorFrameOf(e, extra));
  }

  /** Closes a socket from the server side (logged once). */
  close(ws: ChatSocket, code: number, reason: string): void {
    const data = ws.getUserData();
    if (data.closed) return;
    this.opts.log.info({ connId: this.opts.connections.idOf(data), userId: data.user.id, code, reason }, 'chat socket closed by the server');
    try {
      ws.end(code, reason);
    } catch {
      // already closing
    }
  }

  startSweep(): void {
    this.sweepTimer = setInterval(() => {
      if (!this.publishedSinceSweep) return;
      this.publishedSinceSweep = false;
      for (const ws of this.opts.connections.sockets) if (!ws.getUserData().closed && ws.getBufferedAmount() > this.limit) this.dropSlow(ws);
    }, SWEEP_MS);
    this.sweepTimer.unref();
  }

  stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Counts what went out and has the session's sockets checked at the end of this tick. */
  private published(sessionId: number, receivers: number): void {
    this.opts.metrics.messagesOut.inc(receivers);
    this.publishedSinceSweep = true;
    this.dirtySessions.add(sessionId);
    if (!this.checkScheduled) {
      this.checkScheduled = true;
      setImmediate(this.checkDirtySessions);
    }
  }

  private dropSlow(ws: ChatSocket): void {
    if (ws.getUserData().closed) return;
    this.opts.metrics.slowConsumersDropped.inc();
    this.close(ws, CloseCodes.slowConsumer, 'slow consumer');
  }

  /** Slow consumers among the sockets of the sessions published to during the last tick. */
  private readonly checkDirtySessions = (): void => {
    this.checkScheduled = false;
    for (const sessionId of this.dirtySessions) {
      const sockets = this.opts.socketsInSession(sessionId);
      if (sockets) for (const ws of sockets) if (ws.getBufferedAmount() > this.limit) this.dropSlow(ws);
    }
    this.dirtySessions.clear();
  };
}
