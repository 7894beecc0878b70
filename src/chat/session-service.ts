// Chat sessions and their members: who may list, open, change, close, hide and delete them, and who belongs to
// them. Access goes through ChatAccess (Redis-cached); changes that connected sockets must see are published on the
// ChatBus as control events, and the changes a moderator makes are audited.
import type { AuditLog } from '../audit/service.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { keysetPage, type Page } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import type { Db, Prisma } from '../platform/prisma.js';
import { requireUserIds } from '../users/ids.js';
import { access, type Viewer } from '../access/index.js';
import { sessionNotFound, type ChatAccess, type SessionAccess } from './access.js';
import type { ChatBus, SessionSnapshot } from './bus.js';
import { sessionBody, sessionPatchBody } from './schemas.js';
import { isUniqueViolation } from '../platform/known-errors.js';
import type { NotificationEmitter } from '../notifications/index.js';
import { cursorOf, isForeignKeyViolation, sessionSelect, snapshot, toSession, type ChatSessionView } from './rows.js';

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

const validateSession = compile(sessionBody, false);
const validatePatch = compile(sessionPatchBody, false);

export class ChatSessionService {
  constructor(
    private readonly prisma: Db,
    private readonly access: ChatAccess,
    private readonly bus: ChatBus,
    private readonly audit: AuditLog,
    private readonly notifier: NotificationEmitter,
  ) {}

  /** Newest first. Members see the visible sessions they belong to; staff see every session (or theirs: `mine`). */
  async list(viewer: Viewer, query: SessionListQuery): Promise<Page<ChatSessionView>> {
    const staff = access.can(viewer, 'chatSession.moderate');
    const where: Prisma.ChatSessionWhereInput = {
      ...(!staff ? { isVisible: true, members: { some: { userId: viewer.id } } } : query.mine ? { members: { some: { userId: viewer.id } } } : {}),
      ...(query.q ? { name: { contains: query.q } } : {}),
      ...(query.cursor ? { id: { lt: cursorOf('cursor', query.cursor) } } : {}),
    };
    const rows = await this.prisma.chatSession.findMany({ where, select: sessionSelect, orderBy: { id: 'desc' }, take: query.limit + 1 });
    const { items, nextCursor } = keysetPage(rows, query.limit, (last) => [last.id]);
    return { items: items.map(toSession), nextCursor };
  }

  /**
   * The sessions one member belongs to, newest first, as the viewer may read them (staff: every one, hidden
   * ones too; a member only the visible ones they share). For the admin member page.
   */
  async of(viewer: Viewer, userId: number, limit: number): Promise<ChatSessionView[]> {
    const staff = access.can(viewer, 'chatSession.moderate');
    const rows = await this.prisma.chatSession.findMany({
      where: { members: { some: { userId } }, ...(!staff ? { isVisible: true, AND: [{ members: { some: { userId: viewer.id } } }] } : {}) },
      select: sessionSelect,
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map(toSession);
  }

  async get(viewer: Viewer, id: number): Promise<ChatSessionView> {
    await this.access.require(viewer, id);
    const row = await this.prisma.chatSession.findUnique({ where: { id }, select: sessionSelect });
    if (!row) throw sessionNotFound();
    return toSession(row);
  }

  /** Any member may open a session; the creator is its first member, `userIds` join at once. */
  async create(viewer: Viewer, input: SessionInput): Promise<ChatSessionView> {
    if (!validateSession(input)) throw ValidationError.of(fieldErrors(validateSession.errors, 'body'));
    // every user id must exist (an open account): one 400 naming the unknown ones
    const userIds = await requireUserIds(
      this.prisma,
      (input.userIds ?? []).filter((id) => id !== viewer.id),
    );
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
    if (userIds.length) this.notifier.emit({ kind: 'chat_added', sessionId: row.id, userIds, actorId: viewer.id, at: Date.now() });
    return toSession(row);
  }

  /**
   * The creator or staff edit name, information and `isClosed` (closed: read-only); only staff hide or show a
   * session (`isVisible`). Closing, reopening, hiding and showing are audited; connected sockets are told.
   */
  async update(viewer: Viewer, id: number, patch: SessionPatch): Promise<ChatSessionView> {
    const a = await this.access.require(viewer, id);
    access.require(viewer, 'chatSession.manage', a.state);
    if (patch.isVisible !== undefined) access.require(viewer, 'chatSession.moderate');
    if (!validatePatch(patch)) throw ValidationError.of(fieldErrors(validatePatch.errors, 'body'));
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
  async remove(viewer: Viewer, id: number): Promise<void> {
    const a = await this.access.require(viewer, id);
    access.require(viewer, 'chatSession.manage', a.state);
    const gone = await this.prisma.chatSession.deleteMany({ where: { id } });
    if (!gone.count) throw sessionNotFound();
    await this.access.invalidate(id);
    await this.bus.control({ kind: 'session_deleted', sessionId: id });
    await this.audit.record({ actor: { id: viewer.id }, action: a.isCreator ? 'chat.session_deleted' : 'chat.session_deleted_by_moderator', target: { type: 'chat_session', id } });
  }

  async members(viewer: Viewer, id: number) {
    await this.access.require(viewer, id);
    const rows = await this.prisma.chatSessionMember.findMany({
      where: { sessionId: id },
      orderBy: { userId: 'asc' },
      select: { userId: true, createDate: true, lastReadMessageId: true, user: { select: { name: true, role: true } } },
    });
    return { items: rows.map((r) => ({ userId: r.userId, name: r.user.name, role: r.user.role, joinedAt: r.createDate, lastReadMessageId: r.lastReadMessageId })) };
  }

  /** Adds a member (creator or staff). `created` is false when they already were one. */
  async addMember(viewer: Viewer, id: number, userId: number) {
    const a = await this.access.require(viewer, id);
    access.require(viewer, 'chatSession.manage', a.state);
    const user = await this.prisma.user.findUnique({ where: { id: userId }, select: { id: true, deletedAt: true } });
    if (!user || user.deletedAt) throw new NotFoundError('user_not_found', 'No such user.');
    const created = await this.prisma.chatSessionMember.create({ data: { sessionId: id, userId } }).then(
      () => true,
      (e: unknown) => {
        if (isUniqueViolation(e)) return false;
        if (isForeignKeyViolation(e)) throw sessionNotFound();
        throw e;
      },
    );
    await this.access.invalidate(id);
    if (created) this.notifier.emit({ kind: 'chat_added', sessionId: id, userIds: [userId], actorId: viewer.id, at: Date.now() });
    return { created, member: { sessionId: id, userId } };
  }

  /** Removes a member: the creator or staff remove anyone, a member may leave. Their sockets leave at once. */
  async removeMember(viewer: Viewer, id: number, userId: number): Promise<void> {
    const a = await this.access.require(viewer, id);
    if (userId !== viewer.id) access.require(viewer, 'chatSession.manage', a.state);
    const gone = await this.prisma.chatSessionMember.deleteMany({ where: { sessionId: id, userId } });
    if (!gone.count) throw new NotFoundError('chat_member_not_found', 'This user is not a member of the session.');
    await this.access.invalidate(id);
    await this.bus.control({ kind: 'member_removed', sessionId: id, userId });
    if (userId !== viewer.id) await this.audit.record({ actor: { id: viewer.id }, action: 'chat.member_removed', target: { type: 'chat_session', id }, details: { userId } });
  }

  /** The users chat tickets name who may still chat (exist, not banned, account open), by id; one query. */
  async connectUsers(userIds: readonly number[]): Promise<Map<number, Viewer>> {
    const ids = [...new Set(userIds)];
    const rows = ids.length ? await this.prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, role: true, isBanned: true, deletedAt: true } }) : [];
    return new Map(rows.filter((u) => !u.isBanned && !u.deletedAt).map((u) => [u.id, { id: u.id, role: u.role }]));
  }

  /** Joining needs read access; the session's current state comes back for the `joined` frame. */
  async join(viewer: Viewer, id: number, known?: SessionSnapshot): Promise<{ access: SessionAccess; session: SessionSnapshot }> {
    const access = await this.access.require(viewer, id);
    // a replica with sockets in the session already holds its state (kept current by the bus's control events)
    if (known) return { access, session: known };
    const row = await this.prisma.chatSession.findUnique({ where: { id }, select: { id: true, name: true, information: true, creatorId: true, isClosed: true, isVisible: true } });
    if (!row) throw sessionNotFound();
    return { access, session: snapshot(row) };
  }
}
