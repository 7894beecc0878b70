// Chat sessions, their members and their messages: the rules shared by the REST API, the admin panel and the chat
// server. Access goes through ChatAccess (Redis-cached); every change that connected sockets must see is published
// on the ChatBus (frames for clients, control events for the replicas). Message writes from the chat server come
// in batches (commitMessages, called by the group-commit writer).
import type { AuditLog } from '../audit/service.js';
import type { Config } from '../config.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, toAppError } from '../http/errors.js';
import { decodeKey, encodeKey, invalidCursor, type Page } from '../http/pagination.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import { requireUserIds } from '../users/ids.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { isStaffRole } from '../users/schemas.js';
import { ChatAccess, sessionNotFound, type ChatViewer, type SessionAccess } from './access.js';
import { ChatBus, type SessionSnapshot } from './bus.js';
import { frames } from './frames.js';
import type { CommitResult, PendingMessage } from './pending-message.js';
import { SqliteMessageWriter } from './sqlite-writer.js';

export type { ChatViewer, CommitResult, PendingMessage };

export interface SessionListQuery {
  limit: number;
  cursor?: string;
  /** Name contains this text. */
  q?: string;
  /** Staff only: just the sessions they are a member of (members always see only theirs). */
  mine?: boolean;
}

export interface SessionInput {
  name: string;
  information?: string;
  /** Members added at once (the creator always is one). */
  userIds?: number[];
}

export interface SessionPatch {
  name?: string;
  information?: string;
  isClosed?: boolean;
  isVisible?: boolean;
}

export interface HistoryQuery {
  limit: number;
  /** Cursor: messages older than it. */
  before?: string;
  /** Cursor: messages newer than it. */
  after?: string;
}

/** A message as clients see it (REST and the WebSocket history frame). */
export interface ChatMessageView {
  id: number;
  sessionId: number;
  authorId: number;
  authorName: string;
  content: string;
  clientMsgId: string | null;
  createdAt: string;
  updatedAt: string;
  isVisible: boolean;
}

const sessionSelect = {
  id: true,
  name: true,
  information: true,
  creatorId: true,
  createDate: true,
  updateDate: true,
  isVisible: true,
  isClosed: true,
  _count: { select: { members: true } },
} as const;

const messageSelect = {
  id: true,
  sessionId: true,
  authorId: true,
  content: true,
  clientMsgId: true,
  createDate: true,
  updateDate: true,
  isVisible: true,
  author: { select: { name: true } },
} as const;

type SessionRow = Prisma.ChatSessionGetPayload<{ select: typeof sessionSelect }>;
type MessageRow = Prisma.ChatMessageGetPayload<{ select: typeof messageSelect }>;

function toSession({ _count, ...s }: SessionRow) {
  return { ...s, memberCount: _count.members };
}

function toMessage(r: MessageRow): ChatMessageView {
  return {
    id: r.id,
    sessionId: r.sessionId,
    authorId: r.authorId,
    authorName: r.author.name,
    content: r.content,
    clientMsgId: r.clientMsgId,
    createdAt: r.createDate.toISOString(),
    updatedAt: r.updateDate.toISOString(),
    isVisible: r.isVisible,
  };
}

const snapshot = (s: { id: number; name: string; information: string; creatorId: number; isClosed: boolean; isVisible: boolean }): SessionSnapshot => ({
  id: s.id,
  name: s.name,
  information: s.information,
  creatorId: s.creatorId,
  isClosed: s.isClosed,
  isVisible: s.isVisible,
});

const keyOf = (m: { sessionId: number; authorId: number; clientMsgId: string | null }) => `${m.sessionId}:${m.authorId}:${m.clientMsgId ?? ''}`;
const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === 'P2002' || toAppError(e)?.status === 409;
const isForeignKeyViolation = (e: unknown) => (e as { code?: string }).code === 'P2003';

function cursorOf(field: 'before' | 'after' | 'cursor', value: string): number {
  try {
    const [id] = decodeKey(value, ['number']) as [number];
    if (Number.isInteger(id) && id > 0) return id;
  } catch {
    // fall through
  }
  if (field === 'cursor') throw invalidCursor();
  throw new ValidationError([{ field, in: 'query', code: 'invalid_cursor', message: `${field} is not a cursor this API returned` }]);
}

export class ChatService {
  readonly access: ChatAccess;
  readonly bus: ChatBus;

  constructor(
    private readonly prisma: Db,
    private readonly redis: Redis,
    private readonly audit: AuditLog,
    logger: Logger,
    private readonly config: Pick<Config, 'redisPrefix' | 'databaseProvider' | 'sqlitePath' | 'chat'>,
  ) {
    this.access = new ChatAccess(prisma, redis);
    this.bus = new ChatBus(redis, config.redisPrefix, logger);
  }

  /** SQLite only: the hot path's own connection, opened by the first batch (so only the chat process has one). */
  private sqliteWriter: SqliteMessageWriter | null = null;

  close(): void {
    this.sqliteWriter?.close();
    this.sqliteWriter = null;
  }

  // ---- sessions -------------------------------------------------------------------------------------------

  /** Newest first. Members see the visible sessions they belong to; staff see every session (or theirs: `mine`). */
  async list(viewer: ChatViewer, query: SessionListQuery): Promise<Page<ReturnType<typeof toSession>>> {
    const staff = isStaffRole(viewer.role);
    const where: Prisma.ChatSessionWhereInput = {
      ...(!staff ? { isVisible: true, members: { some: { userId: viewer.id } } } : query.mine ? { members: { some: { userId: viewer.id } } } : {}),
      ...(query.q ? { name: { contains: query.q } } : {}),
      ...(query.cursor ? { id: { lt: cursorOf('cursor', query.cursor) } } : {}),
    };
    const rows = await this.prisma.chatSession.findMany({ where, select: sessionSelect, orderBy: { id: 'desc' }, take: query.limit + 1 });
    const items = rows.slice(0, query.limit).map(toSession);
    return { items, nextCursor: rows.length > query.limit ? encodeKey([items[items.length - 1].id]) : null };
  }

  async get(viewer: ChatViewer, id: number) {
    await this.access.require(viewer, id);
    const row = await this.prisma.chatSession.findUnique({ where: { id }, select: sessionSelect });
    if (!row) throw sessionNotFound();
    return toSession(row);
  }

  /** Any member may open a session; the creator is its first member, `userIds` join at once. */
  async create(viewer: ChatViewer, input: SessionInput) {
    const userIds = await this.checkUsers((input.userIds ?? []).filter((id) => id !== viewer.id));
    const row = await this.prisma.chatSession.create({
      data: {
        name: input.name,
        information: input.information ?? '',
        creatorId: viewer.id,
        members: { create: [viewer.id, ...userIds].map((userId) => ({ userId })) },
      },
      select: sessionSelect,
    });
    await this.access.invalidate(row.id);
    return toSession(row);
  }

  /**
   * The creator or staff edit name, information and `isClosed` (closed: read-only); only staff hide or show a
   * session (`isVisible`). Closing, reopening, hiding and showing are audited; connected sockets are told.
   */
  async update(viewer: ChatViewer, id: number, patch: SessionPatch) {
    const a = await this.access.require(viewer, id);
    this.requireCreatorOrStaff(a);
    if (patch.isVisible !== undefined && !a.isStaff) throw new ForbiddenError('forbidden', 'Only admins hide or show chat sessions.');
    const row = await this.prisma.chatSession
      .update({
        where: { id },
        data: {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.information !== undefined ? { information: patch.information } : {}),
          ...(patch.isClosed !== undefined ? { isClosed: patch.isClosed } : {}),
          ...(patch.isVisible !== undefined ? { isVisible: patch.isVisible } : {}),
        },
        select: sessionSelect,
      })
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === 'P2025') throw sessionNotFound();
        throw e;
      });
    await this.access.invalidate(id);
    await this.bus.control({ kind: 'session_updated', sessionId: id, session: snapshot(row) });
    const actor = { id: viewer.id };
    const target = { type: 'chat_session', id };
    if (patch.isClosed !== undefined && patch.isClosed !== a.state.isClosed) await this.audit.record({ actor, action: patch.isClosed ? 'chat.session_closed' : 'chat.session_reopened', target });
    if (patch.isVisible !== undefined && patch.isVisible !== a.state.isVisible) await this.audit.record({ actor, action: patch.isVisible ? 'chat.session_shown' : 'chat.session_hidden', target });
    return toSession(row);
  }

  /** Deletes the session with its members and messages (creator or staff; audited). */
  async remove(viewer: ChatViewer, id: number) {
    const a = await this.access.require(viewer, id);
    this.requireCreatorOrStaff(a);
    const gone = await this.prisma.chatSession.deleteMany({ where: { id } });
    if (!gone.count) throw sessionNotFound();
    await this.access.invalidate(id);
    await this.bus.control({ kind: 'session_deleted', sessionId: id });
    await this.audit.record({ actor: { id: viewer.id }, action: a.isCreator ? 'chat.session_deleted' : 'chat.session_deleted_by_moderator', target: { type: 'chat_session', id } });
  }

  // ---- members --------------------------------------------------------------------------------------------

  async members(viewer: ChatViewer, id: number) {
    await this.access.require(viewer, id);
    const rows = await this.prisma.chatSessionMember.findMany({
      where: { sessionId: id },
      orderBy: { userId: 'asc' },
      select: { userId: true, createDate: true, user: { select: { name: true, role: true } } },
    });
    return { items: rows.map((r) => ({ userId: r.userId, name: r.user.name, role: r.user.role, joinedAt: r.createDate })) };
  }

  /** Adds a member (creator or staff). `created` is false when they already were one. */
  async addMember(viewer: ChatViewer, id: number, userId: number) {
    const a = await this.access.require(viewer, id);
    this.requireCreatorOrStaff(a);
    const user = await this.prisma.user.findUnique({ where: { id: userId }, select: { id: true, deletedAt: true } });
    if (!user || user.deletedAt) throw new NotFoundError('No such user.', 'user_not_found');
    const created = await this.prisma.chatSessionMember.create({ data: { sessionId: id, userId } }).then(
      () => true,
      (e: unknown) => {
        if (isUniqueViolation(e)) return false;
        if (isForeignKeyViolation(e)) throw sessionNotFound();
        throw e;
      },
    );
    await this.access.invalidate(id);
    return { created, member: { sessionId: id, userId } };
  }

  /** Removes a member: the creator or staff remove anyone, a member may leave. Their sockets leave at once. */
  async removeMember(viewer: ChatViewer, id: number, userId: number) {
    const a = await this.access.require(viewer, id);
    if (userId !== viewer.id) this.requireCreatorOrStaff(a);
    const gone = await this.prisma.chatSessionMember.deleteMany({ where: { sessionId: id, userId } });
    if (!gone.count) throw new NotFoundError('This user is not a member of the session.', 'chat_member_not_found');
    await this.access.invalidate(id);
    await this.bus.control({ kind: 'member_removed', sessionId: id, userId });
    if (userId !== viewer.id) await this.audit.record({ actor: { id: viewer.id }, action: 'chat.member_removed', target: { type: 'chat_session', id }, details: { userId } });
  }

  // ---- messages -------------------------------------------------------------------------------------------

  /** History, newest first, with keyset cursors: `nextCursor` (pass as `before`) pages to older messages, `prevCursor` (as `after`) to newer ones. */
  async history(viewer: ChatViewer, id: number, q: HistoryQuery): Promise<{ items: ChatMessageView[]; nextCursor: string | null; prevCursor: string | null }> {
    if (q.before && q.after) throw new ValidationError([{ field: 'after', in: 'query', code: 'conflict', message: 'give before or after, not both' }]);
    const a = await this.access.require(viewer, id);
    const before = q.before ? cursorOf('before', q.before) : undefined;
    const after = q.after ? cursorOf('after', q.after) : undefined;
    const where: Prisma.ChatMessageWhereInput = { sessionId: id, ...(a.isStaff ? {} : { isVisible: true }) };
    if (after !== undefined) {
      const rows = await this.prisma.chatMessage.findMany({ where: { ...where, id: { gt: after } }, select: messageSelect, orderBy: { id: 'asc' }, take: q.limit + 1 });
      const items = rows.slice(0, q.limit).reverse().map(toMessage);
      return {
        items,
        nextCursor: encodeKey([items.length ? items[items.length - 1].id : after + 1]),
        prevCursor: items.length ? encodeKey([items[0].id]) : encodeKey([after]),
      };
    }
    const rows = await this.prisma.chatMessage.findMany({ where: { ...where, ...(before !== undefined ? { id: { lt: before } } : {}) }, select: messageSelect, orderBy: { id: 'desc' }, take: q.limit + 1 });
    const items = rows.slice(0, q.limit).map(toMessage);
    return {
      items,
      nextCursor: rows.length > q.limit ? encodeKey([items[items.length - 1].id]) : null,
      prevCursor: items.length ? encodeKey([items[0].id]) : before !== undefined ? encodeKey([before - 1]) : null,
    };
  }

  /** The WebSocket's history: message ids instead of cursors, newest first. */
  async historyBefore(viewer: ChatViewer, id: number, beforeId: number | undefined, limit: number) {
    const a = await this.access.require(viewer, id);
    const rows = await this.prisma.chatMessage.findMany({
      where: { sessionId: id, ...(a.isStaff ? {} : { isVisible: true }), ...(beforeId !== undefined ? { id: { lt: beforeId } } : {}) },
      select: messageSelect,
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    return { messages: rows.slice(0, limit).map(toMessage), hasMore: rows.length > limit };
  }

  async getMessage(viewer: ChatViewer, id: number, messageId: number) {
    const a = await this.access.require(viewer, id);
    const row = await this.prisma.chatMessage.findUnique({ where: { id: messageId }, select: messageSelect });
    if (!row || row.sessionId !== id || (!row.isVisible && !a.isStaff)) throw new NotFoundError('No such message.', 'chat_message_not_found');
    return toMessage(row);
  }

  /** The author edits a message of an open session; everyone joined gets `edited`. */
  async editMessage(viewer: ChatViewer, id: number, messageId: number, content: string) {
    this.checkContent(content);
    const a = await this.access.require(viewer, id);
    const row = await this.prisma.chatMessage.findUnique({ where: { id: messageId }, select: { sessionId: true, authorId: true, isVisible: true } });
    if (!row || row.sessionId !== id || !row.isVisible) throw new NotFoundError('No such message.', 'chat_message_not_found');
    if (row.authorId !== viewer.id) throw new ForbiddenError('not_author', 'Only the author may edit a message.');
    if (a.state.isClosed) throw new ConflictError('chat_session_closed', 'The session is closed (read-only).');
    const updated = await this.prisma.chatMessage.update({ where: { id: messageId }, data: { content }, select: messageSelect });
    const view = toMessage(updated);
    this.bus.publishFrame(id, frames.edited(view));
    return view;
  }

  /** Soft delete by the author (open sessions) or staff (any; audited). Everyone joined gets `deleted`. */
  async deleteMessage(viewer: ChatViewer, id: number, messageId: number) {
    const a = await this.access.require(viewer, id);
    const row = await this.prisma.chatMessage.findUnique({ where: { id: messageId }, select: { sessionId: true, authorId: true, isVisible: true } });
    if (!row || row.sessionId !== id || !row.isVisible) throw new NotFoundError('No such message.', 'chat_message_not_found');
    const own = row.authorId === viewer.id;
    if (!own && !a.isStaff) throw new ForbiddenError('not_author', 'Only the author or an admin may delete a message.');
    if (own && !a.isStaff && a.state.isClosed) throw new ConflictError('chat_session_closed', 'The session is closed (read-only).');
    const changed = await this.prisma.chatMessage.updateMany({ where: { id: messageId, isVisible: true }, data: { isVisible: false } });
    if (!changed.count) throw new NotFoundError('No such message.', 'chat_message_not_found');
    this.bus.publishFrame(id, frames.deleted(id, messageId));
    if (!own) await this.audit.record({ actor: { id: viewer.id }, action: 'chat.message_deleted_by_moderator', target: { type: 'chat_message', id: messageId }, details: { sessionId: id, authorId: row.authorId } });
  }

  // ---- for the chat server --------------------------------------------------------------------------------

  /** The user a ticket names, when they may still chat (exists, not banned, account open). */
  async connectUser(userId: number): Promise<ChatViewer | null> {
    const u = await this.prisma.user.findUnique({ where: { id: userId }, select: { id: true, role: true, isBanned: true, deletedAt: true } });
    return u && !u.isBanned && !u.deletedAt ? { id: u.id, role: u.role } : null;
  }

  /** Joining needs read access; the session's current state comes back for the `joined` frame. */
  async join(viewer: ChatViewer, id: number, known?: SessionSnapshot): Promise<{ access: SessionAccess; session: SessionSnapshot }> {
    const access = await this.access.require(viewer, id);
    // a replica with sockets in the session already holds its state (kept current by the bus's control events)
    if (known) return { access, session: known };
    const row = await this.prisma.chatSession.findUnique({ where: { id }, select: { id: true, name: true, information: true, creatorId: true, isClosed: true, isVisible: true } });
    if (!row) throw sessionNotFound();
    return { access, session: snapshot(row) };
  }

  checkContent(content: string): void {
    if (content.length > this.config.chat.maxMessageLength || !/\S/.test(content)) {
      throw new ValidationError([{ field: 'content', in: 'body', code: content.length ? 'too_long' : 'too_short', message: `content must have a visible character (at most ${this.config.chat.maxMessageLength})` }]);
    }
  }

  /**
   * Writes a batch of messages in one transaction and says, per message, its id or why it failed. A message
   * whose (session, author, clientMsgId) exists already is not written again: it gets the original id
   * (`duplicate`). When the batch cannot be written as a whole, each message is written on its own, so only
   * the ones that really fail (e.g. their session was deleted) get an error.
   */
  async commitMessages(batch: PendingMessage[]): Promise<CommitResult[]> {
    const unique = new Map<string, PendingMessage>();
    for (const m of batch) if (!unique.has(keyOf(m))) unique.set(keyOf(m), m);
    const rows = [...unique.values()];
    let written: Map<string, { id: number; createdAt: Date; duplicate: boolean }> | null = null;
    const sqlite = this.config.databaseProvider === 'sqlite' && this.config.sqlitePath ? this.config.sqlitePath : null;
    try {
      written = sqlite ? await this.writeSqlite(sqlite, rows) : await this.insertAll(rows);
    } catch (e) {
      // SQLite's writer handles resends itself; on MySQL they make the batch fail and are sorted out here
      if (!sqlite && isUniqueViolation(e)) {
        try {
          written = await this.insertMissing(rows);
        } catch {
          written = null;
        }
      }
    }
    if (!written) {
      written = new Map();
      const failures = new Map<string, CommitResult>();
      for (const m of rows) {
        const r = await this.commitOne(m);
        if (r.ok) written.set(keyOf(m), r);
        else failures.set(keyOf(m), r);
      }
      return this.results(batch, written, failures);
    }
    return this.results(batch, written, new Map());
  }

  private results(batch: PendingMessage[], written: Map<string, { id: number; createdAt: Date; duplicate: boolean }>, failures: Map<string, CommitResult>): CommitResult[] {
    const seen = new Set<string>();
    return batch.map((m) => {
      const k = keyOf(m);
      const w = written.get(k);
      if (!w) return failures.get(k) ?? { ok: false, code: 'write_failed', message: 'The message could not be stored.' };
      // a second copy within the same batch is a resend of the first
      const again = seen.has(k);
      seen.add(k);
      return { ok: true, id: w.id, createdAt: w.createdAt, duplicate: w.duplicate || again };
    });
  }

  /** SQLite: one transaction on the chat's own connection (sqlite-writer.ts); resends keep their original ids. */
  private async writeSqlite(file: string, rows: PendingMessage[]) {
    this.sqliteWriter ??= new SqliteMessageWriter(file);
    // a pause between two writes when the WAL has grown past its limit (sqlite-writer.ts)
    const pause = this.sqliteWriter.ready();
    if (pause) await pause;
    const out = this.sqliteWriter.write(rows);
    return new Map(rows.map((m, i) => [keyOf(m), out[i]]));
  }

  /** MySQL, the common case: none of them exists yet. createMany, then the ids by their unique keys. */
  private async insertAll(rows: PendingMessage[]) {
    const now = new Date();
    const data = rows.map((m) => ({ sessionId: m.sessionId, authorId: m.authorId, clientMsgId: m.clientMsgId, content: m.content, createDate: now }));
    const out = new Map<string, { id: number; createdAt: Date; duplicate: boolean }>();
    return this.prisma.$transaction(async (tx) => {
      await tx.chatMessage.createMany({ data });
      for (const r of await this.findByKeys(tx, rows)) out.set(keyOf(r), { id: r.id, createdAt: r.createDate, duplicate: false });
      return out;
    });
  }

  /** Some exist already (resends): those keep their ids, the others are written. */
  private async insertMissing(rows: PendingMessage[]) {
    return this.prisma.$transaction(async (tx) => {
      const out = new Map<string, { id: number; createdAt: Date; duplicate: boolean }>();
      for (const r of await this.findByKeys(tx, rows)) out.set(keyOf(r), { id: r.id, createdAt: r.createDate, duplicate: true });
      const fresh = rows.filter((m) => !out.has(keyOf(m)));
      if (fresh.length) {
        const now = new Date();
        await tx.chatMessage.createMany({ data: fresh.map((m) => ({ sessionId: m.sessionId, authorId: m.authorId, clientMsgId: m.clientMsgId, content: m.content, createDate: now })) });
        for (const r of await this.findByKeys(tx, fresh)) out.set(keyOf(r), { id: r.id, createdAt: r.createDate, duplicate: false });
      }
      return out;
    });
  }

  private async commitOne(m: PendingMessage): Promise<CommitResult> {
    try {
      const r = await this.prisma.chatMessage.create({ data: { sessionId: m.sessionId, authorId: m.authorId, clientMsgId: m.clientMsgId, content: m.content }, select: { id: true, createDate: true } });
      return { ok: true, id: r.id, createdAt: r.createDate, duplicate: false };
    } catch (e) {
      try {
        if (isUniqueViolation(e)) {
          const [r] = await this.findByKeys(this.prisma, [m]);
          if (r) return { ok: true, id: r.id, createdAt: r.createDate, duplicate: true };
        }
        if (isForeignKeyViolation(e)) return { ok: false, code: 'chat_session_not_found', message: 'The session no longer exists.' };
      } catch {
        // reported below
      }
      return { ok: false, code: 'write_failed', message: 'The message could not be stored.' };
    }
  }

  /** Rows by their (session, author, clientMsgId) keys; each OR branch uses the unique index. */
  private async findByKeys(db: Prisma.TransactionClient | Db, rows: PendingMessage[]) {
    const groups = new Map<string, { sessionId: number; authorId: number; ids: string[] }>();
    for (const m of rows) {
      const g = `${m.sessionId}:${m.authorId}`;
      const entry = groups.get(g) ?? { sessionId: m.sessionId, authorId: m.authorId, ids: [] };
      entry.ids.push(m.clientMsgId);
      groups.set(g, entry);
    }
    const all = [...groups.values()];
    const found: { id: number; sessionId: number; authorId: number; clientMsgId: string | null; createDate: Date }[] = [];
    for (let i = 0; i < all.length; i += 200) {
      const chunk = all.slice(i, i + 200);
      found.push(
        ...(await db.chatMessage.findMany({
          where: { OR: chunk.map((g) => ({ sessionId: g.sessionId, authorId: g.authorId, clientMsgId: { in: g.ids } })) },
          select: { id: true, sessionId: true, authorId: true, clientMsgId: true, createDate: true },
        })),
      );
    }
    return found;
  }

  // ---- replicas -------------------------------------------------------------------------------------------

  /** Open chat sockets over every live chat replica (each reports its count with a TTL). */
  async activeConnections(): Promise<number> {
    const replicas = await this.redis.smembers(redisKeys.chatReplicas());
    if (!replicas.length) return 0;
    const counts = await this.redis.mget(...replicas.map((r) => redisKeys.chatReplicaConnections(r)));
    const dead = replicas.filter((_, i) => counts[i] === null);
    if (dead.length) await this.redis.srem(redisKeys.chatReplicas(), ...dead);
    return counts.reduce((sum, c) => sum + (c === null ? 0 : Number(c)), 0);
  }

  /** A chat replica's heartbeat: its socket count, alive for chatReplicaSeconds. */
  async reportConnections(replicaId: string, count: number): Promise<void> {
    await this.redis
      .multi()
      .set(redisKeys.chatReplicaConnections(replicaId), String(count), 'EX', redisTtl.chatReplicaSeconds)
      .sadd(redisKeys.chatReplicas(), replicaId)
      .exec();
  }

  async dropReplica(replicaId: string): Promise<void> {
    await this.redis.multi().del(redisKeys.chatReplicaConnections(replicaId)).srem(redisKeys.chatReplicas(), replicaId).exec();
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private requireCreatorOrStaff(a: SessionAccess): void {
    if (!a.isCreator && !a.isStaff) throw new ForbiddenError('not_creator', 'Only the creator of the session or an admin may do this.');
  }

  /** Every user id must exist (an open account): one 400 naming the unknown ones. */
  private checkUsers(userIds: number[]): Promise<number[]> {
    return requireUserIds(this.prisma, userIds);
  }
}
