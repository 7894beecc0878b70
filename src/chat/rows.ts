// What the chat services read from the database and how clients see it: the Prisma selects of sessions and
// messages, the views built from them, history cursors, and the database errors the services tell apart.
import { ValidationError } from '../errors.js';
import { decodeIdKey, invalidCursor } from '../http/pagination.js';
import type { Prisma } from '../platform/prisma.js';
import type { SessionSnapshot } from './bus.js';

export const sessionSelect = {
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

export const messageSelect = {
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

export function toSession({ _count, ...s }: SessionRow) {
  return { ...s, memberCount: _count.members };
}

export type ChatSessionView = ReturnType<typeof toSession>;

export function toMessage(r: MessageRow): ChatMessageView {
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

/** The state of a session the chat server keeps per room and sends in `joined`. */
export const snapshot = (s: { id: number; name: string; information: string; creatorId: number; isClosed: boolean; isVisible: boolean }): SessionSnapshot => ({
  id: s.id,
  name: s.name,
  information: s.information,
  creatorId: s.creatorId,
  isClosed: s.isClosed,
  isVisible: s.isVisible,
});

export const isForeignKeyViolation = (e: unknown) => (e as { code?: string }).code === 'P2003';

/** The id a list or history cursor stands for; a cursor this API did not hand out is a 400. */
export function cursorOf(field: 'before' | 'after' | 'cursor', value: string): number {
  try {
    return decodeIdKey(value);
  } catch {
    // fall through
  }
  if (field === 'cursor') throw invalidCursor();
  throw ValidationError.of([{ field, in: 'query', code: 'invalid_cursor', message: `${field} is not a cursor this API returned` }]);
}
