// Read state: how far each member has read each session (one marker per member and session, on its
// chat_session_members row, that only moves forward), the unread counts and last messages derived from it, and the
// `read` frames other members get (docs/chat-protocol.md). The chat server writes the markers of `read` frames in its
// group commit (message-store.ts, sqlite-writer.ts); markRead() is the same for REST.
import { type Viewer } from '../access/index.js';
import { NotFoundError } from '../errors.js';
import { Prisma, type Db } from '../platform/prisma.js';
import type { ChatAccess } from './access.js';
import type { ChatBus } from './bus.js';
import { frames } from './frames.js';
import type { PendingRead, ReadResult } from './pending-message.js';
import { ReadReceipts } from './read-receipts.js';

/** The caller's read state of a session, as the session list and detail show it. */
export interface ReadSummary {
  /** null: nothing read yet, or the caller is not a member */
  lastReadMessageId: number | null;
  /** visible messages by others after the marker; null when the caller is not a member */
  unreadCount: number | null;
  lastMessage: { id: number; authorId: number; authorName: string; preview: string; createdAt: string } | null;
}

export const PREVIEW_LENGTH = 100;

type Tx = Db | Prisma.TransactionClient;

/** One read marker through Prisma (MySQL's batches, and any batch SQLite's writer could not write as a whole). */
export async function writeRead(db: Tx, r: PendingRead): Promise<ReadResult> {
  const member = await db.chatSessionMember.findUnique({ where: { sessionId_userId: { sessionId: r.sessionId, userId: r.userId } }, select: { id: true } });
  if (!member) return { ok: false, code: 'chat_member_not_found', message: 'Only members keep a read marker.' };
  const message = await db.chatMessage.findFirst({ where: { id: r.messageId, sessionId: r.sessionId, isVisible: true }, select: { id: true } });
  if (!message) return { ok: false, code: 'chat_message_not_found', message: 'No such message.' };
  const changed = await db.chatSessionMember.updateMany({
    where: { sessionId: r.sessionId, userId: r.userId, OR: [{ lastReadMessageId: null }, { lastReadMessageId: { lt: r.messageId } }] },
    data: { lastReadMessageId: r.messageId },
  });
  const moved = changed.count > 0;
  return { ok: true, moved, members: moved ? await db.chatSessionMember.count({ where: { sessionId: r.sessionId } }) : 0 };
}

interface SummaryRow {
  sessionId: number;
  lastRead: number | null;
  isMember: number | bigint;
  unread: number | bigint | null;
  lastId: number | null;
  lastAuthor: number | null;
  lastAuthorName: string | null;
  preview: string | null;
  lastAt: Date | string | number | null;
}

const asDate = (v: Date | string | number) => (v instanceof Date ? v : new Date(v));

export class ChatReadState {
  /** `read` frames of REST reads, coalesced per member and session (the chat server has its own, per replica). */
  private readonly receipts: ReadReceipts;

  constructor(
    private readonly prisma: Db,
    private readonly access: ChatAccess,
    private readonly bus: ChatBus,
    private readonly receiptsMaxMembers: number,
  ) {
    this.receipts = new ReadReceipts((sessionId, userId, messageId) => this.bus.publishFrame(sessionId, frames.read(sessionId, userId, messageId)));
  }

  close(): void {
    this.receipts.close();
  }

  /** Whether a session of this many members gets per-member `read` frames (CHAT_RECEIPTS_MAX_MEMBERS). */
  broadcasts(members: number): boolean {
    return members <= this.receiptsMaxMembers;
  }

  /** POST /chat-sessions/:id/read: the member has read up to `messageId` (a visible message of the session). */
  async markRead(viewer: Viewer, sessionId: number, messageId: number): Promise<{ sessionId: number; lastReadMessageId: number }> {
    await this.access.require(viewer, sessionId);
    const r = await writeRead(this.prisma, { kind: 'read', sessionId, userId: viewer.id, messageId });
    if (!r.ok) throw new NotFoundError(r.code, r.message);
    if (r.moved && this.broadcasts(r.members)) this.receipts.offer(sessionId, viewer.id, messageId);
    const row = await this.prisma.chatSessionMember.findUnique({ where: { sessionId_userId: { sessionId, userId: viewer.id } }, select: { lastReadMessageId: true } });
    return { sessionId, lastReadMessageId: row?.lastReadMessageId ?? messageId };
  }

  /**
   * The viewer's read state of these sessions, in one query: the marker, the visible messages by others after it,
   * and the last visible message (each found through the (sessionId, id) index).
   */
  async summaries(viewerId: number, sessionIds: number[]): Promise<Map<number, ReadSummary>> {
    const out = new Map<number, ReadSummary>();
    if (!sessionIds.length) return out;
    const rows = await this.prisma.$queryRaw<SummaryRow[]>`
      SELECT s.id AS sessionId, m.lastReadMessageId AS lastRead, CASE WHEN m.id IS NULL THEN 0 ELSE 1 END AS isMember,
        CASE WHEN m.id IS NULL THEN NULL ELSE (
          SELECT COUNT(*) FROM chat_messages c
          WHERE c.sessionId = s.id AND c.id > COALESCE(m.lastReadMessageId, 0) AND c.authorId <> m.userId AND c.isVisible = 1
        ) END AS unread,
        l.id AS lastId, l.authorId AS lastAuthor, u.name AS lastAuthorName, SUBSTR(l.content, 1, ${PREVIEW_LENGTH}) AS preview, l.createDate AS lastAt
      FROM chat_sessions s
      LEFT JOIN chat_session_members m ON m.sessionId = s.id AND m.userId = ${viewerId}
      LEFT JOIN chat_messages l ON l.id = (SELECT MAX(c2.id) FROM chat_messages c2 WHERE c2.sessionId = s.id AND c2.isVisible = 1)
      LEFT JOIN users u ON u.id = l.authorId
      WHERE s.id IN (${Prisma.join(sessionIds)})`;
    for (const r of rows) {
      out.set(Number(r.sessionId), {
        lastReadMessageId: r.lastRead === null ? null : Number(r.lastRead),
        unreadCount: Number(r.isMember) && r.unread !== null ? Number(r.unread) : null,
        lastMessage:
          r.lastId === null ? null : { id: Number(r.lastId), authorId: Number(r.lastAuthor), authorName: r.lastAuthorName ?? '', preview: r.preview ?? '', createdAt: asDate(r.lastAt!).toISOString() },
      });
    }
    return out;
  }
}
