// Resume (`join` with `after`, docs/chat-protocol.md): what a client that has every message up to `after` missed —
// the visible messages after it, oldest first, and the edits and deletes of older messages since `after` was sent,
// as the frames the client would have got live. Edits and deletes are found through chat_message_changes (one row
// per change, indexed by session and time), never by scanning the session's messages.
import type { Viewer } from '../access/index.js';
import type { Db } from '../platform/prisma.js';
import type { ChatAccess } from './access.js';
import { frames } from './frames.js';
import { messageSelect, toMessage } from './rows.js';

/**
 * Changes are looked up from this long before `after` was stored: the clocks of the processes that stamp messages
 * and changes may differ a little. A change sent twice is harmless (`edited` and `deleted` carry the current state).
 */
export const CLOCK_MARGIN_MS = 5000;

export type ResumeResult = { resumed: true; frames: string[]; messageIds: Set<number> } | { resumed: false };

export class ChatResume {
  constructor(
    private readonly prisma: Db,
    private readonly access: ChatAccess,
  ) {}

  /** The frames to replay, or `resumed: false` when there are more than `max` messages (or `after` is unknown). */
  async since(viewer: Viewer, sessionId: number, after: number, max: number): Promise<ResumeResult> {
    await this.access.require(viewer, sessionId);
    const rows = await this.prisma.chatMessage.findMany({
      where: { sessionId, id: { gt: after }, isVisible: true },
      select: messageSelect,
      orderBy: { id: 'asc' },
      take: max + 1,
    });
    if (rows.length > max) return { resumed: false };
    const out: string[] = [];
    if (after > 0) {
      const last = await this.prisma.chatMessage.findUnique({ where: { id: after }, select: { sessionId: true, createDate: true } });
      if (!last || last.sessionId !== sessionId) return { resumed: false };
      const changes = await this.prisma.chatMessageChange.findMany({
        where: { sessionId, createDate: { gte: new Date(last.createDate.getTime() - CLOCK_MARGIN_MS) }, messageId: { lte: after } },
        select: { messageId: true },
        orderBy: { id: 'asc' },
        take: max + 1,
      });
      if (changes.length > max) return { resumed: false };
      // each changed message once, in the order of its last change
      const order = new Map<number, number>();
      changes.forEach((c, i) => order.set(c.messageId, i));
      if (order.size) {
        const changed = await this.prisma.chatMessage.findMany({ where: { sessionId, id: { in: [...order.keys()] } }, select: messageSelect });
        changed.sort((x, y) => order.get(x.id)! - order.get(y.id)!);
        for (const m of changed) out.push(m.isVisible ? frames.edited(toMessage(m)) : frames.deleted(sessionId, m.id));
      }
    }
    for (const r of rows) {
      const m = toMessage(r);
      out.push(frames.message({ sessionId, id: m.id, authorId: m.authorId, content: m.content, clientMsgId: m.clientMsgId, createdAt: m.createdAt }));
    }
    return { resumed: true, frames: out, messageIds: new Set(rows.map((r) => r.id)) };
  }
}
