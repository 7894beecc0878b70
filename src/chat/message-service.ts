// Chat messages as members read and change them: history (REST with keyset cursors, the socket with message ids),
// single reads, edits by the author and soft deletes by the author or staff (audited). Everyone joined sees edits
// and deletes at once (ChatBus). New messages arrive through the chat server's group commit (message-store.ts).
import { access, type Viewer } from '../access/index.js';
import type { AuditLog } from '../audit/service.js';
import type { Config } from '../config.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { encodeKey } from '../http/pagination.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { ChatAccess } from './access.js';
import type { ChatBus } from './bus.js';
import { frames } from './frames.js';
import { cursorOf, messageSelect, toMessage, type ChatMessageView } from './rows.js';

export interface HistoryQuery {
  limit: number;
  /** Cursor: messages older than it. */
  before?: string;
  /** Cursor: messages newer than it. */
  after?: string;
}

const messageNotFound = () => new NotFoundError('chat_message_not_found', 'No such message.');

export class ChatMessageService {
  constructor(
    private readonly prisma: Db,
    private readonly access: ChatAccess,
    private readonly bus: ChatBus,
    private readonly audit: AuditLog,
    private readonly config: Pick<Config['chat'], 'maxMessageLength'>,
  ) {}

  /** History, newest first, with keyset cursors: `nextCursor` (pass as `before`) pages to older messages, `prevCursor` (as `after`) to newer ones. */
  async history(viewer: Viewer, id: number, q: HistoryQuery): Promise<{ items: ChatMessageView[]; nextCursor: string | null; prevCursor: string | null }> {
    if (q.before && q.after) throw ValidationError.of([{ field: 'after', in: 'query', code: 'conflict', message: 'give before or after, not both' }]);
    await this.access.require(viewer, id);
    const before = q.before ? cursorOf('before', q.before) : undefined;
    const after = q.after ? cursorOf('after', q.after) : undefined;
    const where: Prisma.ChatMessageWhereInput = { sessionId: id, ...(access.can(viewer, 'chatSession.moderate') ? {} : { isVisible: true }) };
    if (after !== undefined) {
      const rows = await this.prisma.chatMessage.findMany({ where: { ...where, id: { gt: after } }, select: messageSelect, orderBy: { id: 'asc' }, take: q.limit + 1 });
      const items = rows.slice(0, q.limit).reverse().map(toMessage);
      return {
        items,
        nextCursor: encodeKey([items.length ? items[items.length - 1].id : after + 1]),
        prevCursor: items.length ? encodeKey([items[0].id]) : encodeKey([after]),
      };
    }
    const rows = await this.prisma.chatMessage.findMany({
      where: { ...where, ...(before !== undefined ? { id: { lt: before } } : {}) },
      select: messageSelect,
      orderBy: { id: 'desc' },
      take: q.limit + 1,
    });
    const items = rows.slice(0, q.limit).map(toMessage);
    return {
      items,
      nextCursor: rows.length > q.limit ? encodeKey([items[items.length - 1].id]) : null,
      prevCursor: items.length ? encodeKey([items[0].id]) : before !== undefined ? encodeKey([before - 1]) : null,
    };
  }

  /** The WebSocket's history: message ids instead of cursors, newest first. */
  async historyBefore(viewer: Viewer, id: number, beforeId: number | undefined, limit: number): Promise<{ messages: ChatMessageView[]; hasMore: boolean }> {
    await this.access.require(viewer, id);
    const rows = await this.prisma.chatMessage.findMany({
      where: { sessionId: id, ...(access.can(viewer, 'chatSession.moderate') ? {} : { isVisible: true }), ...(beforeId !== undefined ? { id: { lt: beforeId } } : {}) },
      select: messageSelect,
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    return { messages: rows.slice(0, limit).map(toMessage), hasMore: rows.length > limit };
  }

  async getMessage(viewer: Viewer, id: number, messageId: number): Promise<ChatMessageView> {
    await this.access.require(viewer, id);
    const row = await this.prisma.chatMessage.findUnique({ where: { id: messageId }, select: messageSelect });
    if (!row || row.sessionId !== id || (!row.isVisible && !access.can(viewer, 'chatSession.moderate'))) throw messageNotFound();
    return toMessage(row);
  }

  /** The author edits a message of an open session; everyone joined gets `edited`. */
  async editMessage(viewer: Viewer, id: number, messageId: number, content: string): Promise<ChatMessageView> {
    this.checkContent(content);
    const a = await this.access.require(viewer, id);
    const row = await this.prisma.chatMessage.findUnique({ where: { id: messageId }, select: { sessionId: true, authorId: true, isVisible: true } });
    if (!row || row.sessionId !== id || !row.isVisible) throw messageNotFound();
    access.require(viewer, 'chatMessage.update', row);
    if (a.state.isClosed) throw new ConflictError('chat_session_closed', 'The session is closed (read-only).');
    const [updated] = await this.prisma.$transaction([
      this.prisma.chatMessage.update({ where: { id: messageId }, data: { content }, select: messageSelect }),
      this.prisma.chatMessageChange.create({ data: { sessionId: id, messageId }, select: { id: true } }),
    ]);
    const view = toMessage(updated);
    this.bus.publishFrame(id, frames.edited(view));
    return view;
  }

  /** Soft delete by the author (open sessions) or staff (any; audited). Everyone joined gets `deleted`. */
  async deleteMessage(viewer: Viewer, id: number, messageId: number): Promise<void> {
    const a = await this.access.require(viewer, id);
    const row = await this.prisma.chatMessage.findUnique({ where: { id: messageId }, select: { sessionId: true, authorId: true, isVisible: true } });
    if (!row || row.sessionId !== id || !row.isVisible) throw messageNotFound();
    const own = row.authorId === viewer.id;
    access.require(viewer, 'chatMessage.delete', row);
    // staff delete in closed sessions too
    if (own && !access.can(viewer, 'chatSession.moderate') && a.state.isClosed) throw new ConflictError('chat_session_closed', 'The session is closed (read-only).');
    const changed = await this.prisma.$transaction(async (tx) => {
      const c = await tx.chatMessage.updateMany({ where: { id: messageId, isVisible: true }, data: { isVisible: false } });
      if (c.count) await tx.chatMessageChange.create({ data: { sessionId: id, messageId }, select: { id: true } });
      return c;
    });
    if (!changed.count) throw messageNotFound();
    this.bus.publishFrame(id, frames.deleted(id, messageId));
    if (!own)
      await this.audit.record({
        actor: { id: viewer.id },
        action: 'chat.message_deleted_by_moderator',
        target: { type: 'chat_message', id: messageId },
        details: { sessionId: id, authorId: row.authorId },
      });
  }

  /** Message content: a visible character, at most CHAT_MAX_MESSAGE_LENGTH characters. */
  checkContent(content: string): void {
    if (content.length > this.config.maxMessageLength || !/\S/.test(content)) {
      throw ValidationError.of([
        { field: 'content', in: 'body', code: content.length ? 'too_long' : 'too_short', message: `content must have a visible character (at most ${this.config.maxMessageLength})` },
      ]);
    }
  }
}
