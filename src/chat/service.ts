// The chat's rules, shared by the REST API, the admin panel and the chat server, behind one service:
//   session-service.ts   sessions and members (who may open, change, close, hide, delete, join)
//   message-service.ts   history, reads, edits and deletes of messages
//   message-store.ts     the group commit's batch writes, per database provider
//   replica-registry.ts  the live chat replicas and their socket counts
// Access goes through ChatAccess (Redis-cached); every change that connected sockets must see is published on the
// ChatBus (frames for clients, control events for the replicas).
import type { AuditLog } from '../audit/service.js';
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import type { Viewer } from '../access/index.js';
import type { NotificationEmitter } from '../notifications/index.js';
import { ChatAccess } from './access.js';
import { ChatBus, type SessionSnapshot } from './bus.js';
import { ChatMessageService, type HistoryQuery } from './message-service.js';
import { MessageStore } from './message-store.js';
import type { PendingMessage } from './pending-message.js';
import { ReplicaRegistry } from './replica-registry.js';
import { ChatSessionService, type SessionInput, type SessionListQuery, type SessionPatch } from './session-service.js';

export type { HistoryQuery } from './message-service.js';
export type { CommitResult, PendingMessage } from './pending-message.js';
export type { ChatMessageView, ChatSessionView } from './rows.js';
export type { SessionInput, SessionListQuery, SessionPatch } from './session-service.js';

export class ChatService {
  readonly access: ChatAccess;
  readonly bus: ChatBus;
  readonly sessions: ChatSessionService;
  readonly messages: ChatMessageService;
  readonly store: MessageStore;
  readonly replicas: ReplicaRegistry;

  constructor(
    prisma: Db,
    redis: Redis,
    audit: AuditLog,
    logger: Logger,
    config: Pick<Config, 'redisPrefix' | 'databaseProvider' | 'sqlitePath' | 'chat'>,
    private readonly notifier: NotificationEmitter,
  ) {
    this.access = new ChatAccess(prisma, redis);
    this.bus = new ChatBus(redis, config.redisPrefix, logger);
    this.sessions = new ChatSessionService(prisma, this.access, this.bus, audit, notifier);
    this.messages = new ChatMessageService(prisma, this.access, this.bus, audit, config.chat);
    this.store = new MessageStore(prisma, config);
    this.replicas = new ReplicaRegistry(redis);
  }

  close(): void {
    this.store.close();
  }

  // ---- sessions and members (session-service.ts) ---------------------------------------------------------

  list(viewer: Viewer, query: SessionListQuery) {
    return this.sessions.list(viewer, query);
  }

  get(viewer: Viewer, id: number) {
    return this.sessions.get(viewer, id);
  }

  create(viewer: Viewer, input: SessionInput) {
    return this.sessions.create(viewer, input);
  }

  update(viewer: Viewer, id: number, patch: SessionPatch) {
    return this.sessions.update(viewer, id, patch);
  }

  remove(viewer: Viewer, id: number) {
    return this.sessions.remove(viewer, id);
  }

  members(viewer: Viewer, id: number) {
    return this.sessions.members(viewer, id);
  }

  addMember(viewer: Viewer, id: number, userId: number) {
    return this.sessions.addMember(viewer, id, userId);
  }

  removeMember(viewer: Viewer, id: number, userId: number) {
    return this.sessions.removeMember(viewer, id, userId);
  }

  connectUser(userId: number) {
    return this.sessions.connectUser(userId);
  }

  join(viewer: Viewer, id: number, known?: SessionSnapshot) {
    return this.sessions.join(viewer, id, known);
  }

  // ---- messages (message-service.ts, message-store.ts) ---------------------------------------------------

  history(viewer: Viewer, id: number, q: HistoryQuery) {
    return this.messages.history(viewer, id, q);
  }

  historyBefore(viewer: Viewer, id: number, beforeId: number | undefined, limit: number) {
    return this.messages.historyBefore(viewer, id, beforeId, limit);
  }

  getMessage(viewer: Viewer, id: number, messageId: number) {
    return this.messages.getMessage(viewer, id, messageId);
  }

  editMessage(viewer: Viewer, id: number, messageId: number, content: string) {
    return this.messages.editMessage(viewer, id, messageId, content);
  }

  deleteMessage(viewer: Viewer, id: number, messageId: number) {
    return this.messages.deleteMessage(viewer, id, messageId);
  }

  /** Writes a batch; the messages that mention someone (`@name`) are handed to the notification worker. */
  async commitMessages(batch: PendingMessage[]) {
    const results = await this.store.commitMessages(batch);
    const mentions = results.flatMap((r, i) => (r.ok && !r.duplicate && batch[i].content.includes('@') ? [{ kind: 'chat_message' as const, messageId: r.id }] : []));
    this.notifier.emit(...mentions);
    return results;
  }

  // ---- replicas (replica-registry.ts) --------------------------------------------------------------------

  activeConnections() {
    return this.replicas.activeConnections();
  }

  reportConnections(replicaId: string, count: number) {
    return this.replicas.reportConnections(replicaId, count);
  }

  dropReplica(replicaId: string) {
    return this.replicas.dropReplica(replicaId);
  }
}
