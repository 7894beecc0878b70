// The chat's rules, shared by the REST API, the admin panel and the chat server, behind one service:
//   session-service.ts   sessions and members (who may open, change, close, hide, delete, join)
//   message-service.ts   history, reads, edits and deletes of messages
//   message-store.ts     the group commit's batch writes, per database provider
//   read-state.ts        read markers, unread counts and last messages
//   resume.ts            what a resuming client missed
//   presence.ts          who is online in each session, over every replica
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
import type { CommitResult, PendingItem, PendingMessage } from './pending-message.js';
import { ChatReadState, type ReadSummary } from './read-state.js';
import { ReplicaRegistry } from './replica-registry.js';
import { ChatPresence } from './presence.js';
import { ChatResume } from './resume.js';
import { ChatSessionService, type SessionInput, type SessionListQuery, type SessionPatch } from './session-service.js';

export type { HistoryQuery } from './message-service.js';
export type { CommitResult, PendingMessage } from './pending-message.js';
export type { ChatMessageView, ChatSessionView } from './rows.js';
export type { ReadSummary } from './read-state.js';
export type { SessionInput, SessionListQuery, SessionPatch } from './session-service.js';

export class ChatService {
  readonly access: ChatAccess;
  readonly bus: ChatBus;
  readonly sessions: ChatSessionService;
  readonly messages: ChatMessageService;
  readonly store: MessageStore;
  readonly replicas: ReplicaRegistry;
  readonly reads: ChatReadState;
  readonly resumes: ChatResume;
  readonly presence: ChatPresence;

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
    this.resumes = new ChatResume(prisma, this.access);
    this.presence = new ChatPresence(redis, this.bus, logger);
    this.reads = new ChatReadState(prisma, this.access, this.bus, config.chat.receiptsMaxMembers);
  }

  close(): void {
    this.store.close();
    this.reads.close();
  }

  // ---- sessions and members (session-service.ts) ---------------------------------------------------------

  /** The sessions with the viewer's read state of each (one query for the whole page). */
  async list(viewer: Viewer, query: SessionListQuery) {
    const page = await this.sessions.list(viewer, query);
    return { ...page, items: await this.withReadState(viewer, page.items) };
  }

  async get(viewer: Viewer, id: number) {
    const [session] = await this.withReadState(viewer, [await this.sessions.get(viewer, id)]);
    return session;
  }

  private async withReadState<T extends { id: number }>(viewer: Viewer, sessions: T[]): Promise<(T & ReadSummary)[]> {
    const read = await this.reads.summaries(
      viewer.id,
      sessions.map((s) => s.id),
    );
    return sessions.map((s) => ({ ...s, ...(read.get(s.id) ?? { lastReadMessageId: null, unreadCount: null, lastMessage: null }) }));
  }

  /** The sessions one member belongs to, as the viewer may read them. */
  sessionsOf(viewer: Viewer, userId: number, limit: number) {
    return this.sessions.of(viewer, userId, limit);
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

  markRead(viewer: Viewer, id: number, messageId: number) {
    return this.reads.markRead(viewer, id, messageId);
  }

  connectUsers(userIds: readonly number[]) {
    return this.sessions.connectUsers(userIds);
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

  /** What a client holding every message up to `after` missed (a `join` with `after`). */
  resume(viewer: Viewer, id: number, after: number, max: number) {
    return this.resumes.since(viewer, id, after, max);
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

  /** Writes a batch of messages (and nothing else); see commit(). */
  async commitMessages(batch: PendingMessage[]) {
    return (await this.commit(batch)) as CommitResult[];
  }

  /**
   * The chat server's group commit: messages and read markers, one transaction. The new messages that mention
   * someone (`@name`) are then handed to the notification worker.
   */
  async commit(batch: PendingItem[]) {
    const results = await this.store.commit(batch);
    const mentions = results.flatMap((r, i) => {
      const item = batch[i];
      return item.kind !== 'read' && r.ok && 'duplicate' in r && !r.duplicate && item.content.includes('@') ? [{ kind: 'chat_message' as const, messageId: r.id }] : [];
    });
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

  /** A replica stops: its connection count and what it counted of who is online go. */
  async dropReplica(replicaId: string) {
    await this.presence.dropReplica(replicaId);
    await this.replicas.dropReplica(replicaId);
  }
}
