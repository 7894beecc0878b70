// The `send` path: checks (joined, open session, the user's rate), then the group-commit writer; after the commit
// each sender gets its `ack` (or error) and the `message` frames go out once, locally and to the other replicas.
// `read` frames ride the same group commit: a marker that moved goes to the session's other sockets, coalesced
// (read-receipts.ts), unless the session has more than CHAT_RECEIPTS_MAX_MEMBERS members.
//
// After a commit, each message's ack (or error) is published to its sender's own topic, then the batch's `message`
// frames to the session topics. uWS queues what is published during a tick and writes, per socket, all of it in
// one write at the start of the next loop iteration, in publish order: a sender's ack and the frames of its session
// leave together. Sending the acks directly costs one more write per message; sending them after the publishes in
// a cork does not help either: this uWS build's topic drain may end that cork early.
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { ChatBus } from './bus.js';
import { replyTopic, type ChatSocket } from './connection.js';
import type { ConnectionRegistry } from './connections.js';
import type { Delivery } from './delivery.js';
import { FailureLog } from './failure-log.js';
import { frames, type Ref } from './frames.js';
import type { ChatMetrics } from './metrics.js';
import type { CommitResult, ItemResult, PendingMessage, PendingRead, ReadResult } from './pending-message.js';
import type { ClientFrame } from './protocol.js';
import { ReadReceipts } from './read-receipts.js';
import type { RoomRegistry } from './rooms.js';
import type { ChatService } from './service.js';
import { GroupCommitWriter } from './writer.js';

type QueuedMessage = (PendingMessage & { ws: ChatSocket }) | (PendingRead & { ws: ChatSocket; ref?: Ref });
export type SendFrame = Extract<ClientFrame, { type: 'send' }>;
export type ReadFrame = Extract<ClientFrame, { type: 'read' }>;

export interface MessageSenderDependencies {
  chat: ChatService;
  bus: ChatBus;
  config: Config['chat'];
  metrics: ChatMetrics;
  log: Logger;
  delivery: Delivery;
  rooms: RoomRegistry;
  connections: ConnectionRegistry;
  /** true once the server is shutting down: sends are refused. */
  stopping(): boolean;
}

export class MessageSender {
  private readonly writer: GroupCommitWriter<QueuedMessage, ItemResult>;
  private readonly receipts: ReadReceipts<ChatSocket>;
  private readonly sendsRateLimited: { inc(): void };
  /** `write_failed`: the first in full, then a count per CHAT_WRITE_FAILURE_LOG_INTERVAL_MS */
  private readonly writeFailures: FailureLog;

  constructor(private readonly deps: MessageSenderDependencies) {
    this.writer = new GroupCommitWriter<QueuedMessage, ItemResult>(
      (batch) => deps.chat.commit(batch),
      (batch, results) => this.committed(batch, results),
      { intervalMs: deps.config.flushIntervalMs, maxBatch: deps.config.flushMaxBatch },
      deps.metrics,
      deps.log,
    );
    this.sendsRateLimited = deps.metrics.rateLimited.labels('send');
    this.writeFailures = new FailureLog(deps.log, 'chat message could not be stored', deps.config.writeFailureLogIntervalMs);
    this.receipts = new ReadReceipts<ChatSocket>((sessionId, userId, messageId, from) => this.readOut(sessionId, userId, messageId, from));
  }

  /** A `read` frame: queued for the next group commit (the socket must have joined the session). */
  submitRead(ws: ChatSocket, f: ReadFrame): void {
    const data = ws.getUserData();
    if (this.deps.stopping()) return this.deps.delivery.error(ws, 'shutting_down', 'The server is shutting down.', { sessionId: f.sessionId, ref: f.ref });
    if (!this.deps.rooms.joinedState(ws, f.sessionId)) return this.deps.delivery.error(ws, 'not_joined', 'Join the session first.', { sessionId: f.sessionId, ref: f.ref });
    this.writer.submit({ kind: 'read', sessionId: f.sessionId, userId: data.user.id, messageId: f.messageId, ref: f.ref, ws });
  }

  /** A `send` frame: refused with an error frame, or queued for the next group commit. */
  submit(ws: ChatSocket, f: SendFrame): void {
    const { delivery, rooms, connections, config } = this.deps;
    const data = ws.getUserData();
    const extra = { clientMsgId: f.clientMsgId, sessionId: f.sessionId };
    if (this.deps.stopping()) return delivery.error(ws, 'shutting_down', 'The server is shutting down; send again after reconnecting.', extra);
    const state = rooms.joinedState(ws, f.sessionId);
    if (!state) return delivery.error(ws, 'not_joined', 'Join the session before sending to it.', extra);
    if (state.isClosed) return delivery.error(ws, 'chat_session_closed', 'The session is closed (read-only).', extra);
    if (!connections.sendBudgetOf(data.user.id)?.take(config.sendRatePerSecond, config.sendBurst)) {
      this.sendsRateLimited.inc();
      return delivery.error(ws, 'rate_limited', 'Too many messages; slow down.', extra);
    }
    if (!data.replies) {
      ws.subscribe(replyTopic(data.conn));
      data.replies = true;
    }
    this.writer.submit({ sessionId: f.sessionId, authorId: data.user.id, clientMsgId: f.clientMsgId, content: f.content, ws });
  }

  /** Writes everything pending (shutdown); resolves once all of it is committed and acknowledged (or failed). */
  async flush(): Promise<void> {
    await this.writer.flush();
    this.receipts.close();
    this.writeFailures.stop();
  }

  private committed(batch: QueuedMessage[], results: ItemResult[]): void {
    const { delivery, metrics } = this.deps;
    const fanout: { sessionId: number; frame: string }[] = [];
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      if (m.kind === 'read') {
        this.readCommitted(m, results[i] as ReadResult);
        continue;
      }
      const r = results[i] as CommitResult;
      if (!r.ok) {
        metrics.writeFailures.inc();
        if (r.code === 'write_failed') this.writeFailures.record(r.cause, { sessionId: m.sessionId, authorId: m.authorId, clientMsgId: m.clientMsgId });
        delivery.reply(m.ws, frames.error(r.code, r.message, { clientMsgId: m.clientMsgId, sessionId: m.sessionId }));
        continue;
      }
      const createdAt = r.createdAt.toISOString();
      delivery.reply(m.ws, frames.ack(m.clientMsgId, r.id, createdAt));
      // a resend goes out again, with the original's id: the replica that stored the original may have died
      // before its fan-out, and clients drop a message id they already have (docs/chat-protocol.md)
      if (!r.duplicate) metrics.messagesStored.inc();
      fanout.push({ sessionId: m.sessionId, frame: frames.message({ sessionId: m.sessionId, id: r.id, authorId: m.authorId, content: m.content, clientMsgId: m.clientMsgId, createdAt }) });
    }
    this.deps.bus.publishFrames(fanout);
  }

  private readCommitted(m: PendingRead & { ws: ChatSocket; ref?: Ref }, r: ReadResult): void {
    if (!r.ok) {
      if (r.code === 'write_failed') this.writeFailures.record(r.cause, { sessionId: m.sessionId, userId: m.userId, messageId: m.messageId });
      return this.deps.delivery.error(m.ws, r.code, r.message, { sessionId: m.sessionId, ref: m.ref });
    }
    if (r.moved && r.members <= this.deps.config.receiptsMaxMembers) this.receipts.offer(m.sessionId, m.userId, m.messageId, m.ws);
  }

  /** A coalesced `read` frame: to the session's sockets here but the reading one, and to the other replicas. */
  private readOut(sessionId: number, userId: number, messageId: number, from: ChatSocket | undefined): void {
    const frame = frames.read(sessionId, userId, messageId);
    if (from && !from.getUserData().closed && from.getUserData().sessions.includes(sessionId)) this.deps.delivery.publishFrom(from, sessionId, frame);
    else this.deps.delivery.publish(sessionId, frame);
    this.deps.bus.publishRemote(sessionId, frame);
  }
}
