// Server → client frames of the chat protocol (docs/chat-protocol.md), serialized once each: a frame published to
// a session is one string shared by every socket and every replica.
import type { AppError } from '../errors.js';
import type { SessionSnapshot } from './bus.js';

export const PROTOCOL_VERSION = 1;

export type Ref = string | number;

interface MessageFields {
  sessionId: number;
  id: number;
  authorId: number;
  content: string;
  clientMsgId: string | null;
  createdAt: string;
}

const withRef = (ref: Ref | undefined) => (ref === undefined ? {} : { ref });

export const frames = {
  /** `online`: members connected to the session anywhere (presence.ts); `resumed`, `hasMore`: a join with `after` (resume.ts). */
  joined: (session: SessionSnapshot, ref?: Ref, extra?: { online?: number[]; resumed?: boolean; hasMore?: boolean }) =>
    JSON.stringify({
      v: 1,
      type: 'joined',
      sessionId: session.id,
      name: session.name,
      information: session.information,
      creatorId: session.creatorId,
      isClosed: session.isClosed,
      ...(extra ?? {}),
      ...withRef(ref),
    }),
  left: (sessionId: number, reason: 'leave' | 'removed' | 'deleted' | 'hidden', ref?: Ref) => JSON.stringify({ v: 1, type: 'left', sessionId, reason, ...withRef(ref) }),
  ack: (clientMsgId: string, id: number, createdAt: string) => JSON.stringify({ v: 1, type: 'ack', clientMsgId, id, createdAt }),
  message: (m: MessageFields) =>
    JSON.stringify({ v: 1, type: 'message', sessionId: m.sessionId, id: m.id, authorId: m.authorId, content: m.content, clientMsgId: m.clientMsgId, createdAt: m.createdAt }),
  edited: (m: { sessionId: number; id: number; authorId: number; content: string; updatedAt: string }) =>
    JSON.stringify({ v: 1, type: 'edited', sessionId: m.sessionId, id: m.id, authorId: m.authorId, content: m.content, updatedAt: m.updatedAt }),
  deleted: (sessionId: number, id: number) => JSON.stringify({ v: 1, type: 'deleted', sessionId, id }),
  presence: (sessionId: number, userId: number, status: 'online' | 'offline') => JSON.stringify({ v: 1, type: 'presence', sessionId, userId, status }),
  typing: (sessionId: number, userId: number) => JSON.stringify({ v: 1, type: 'typing', sessionId, userId }),
  /** A member has read the session up to `messageId` (read-receipts.ts). */
  read: (sessionId: number, userId: number, messageId: number) => JSON.stringify({ v: 1, type: 'read', sessionId, userId, messageId }),
  session: (s: SessionSnapshot) => JSON.stringify({ v: 1, type: 'session', sessionId: s.id, name: s.name, information: s.information, isClosed: s.isClosed, isVisible: s.isVisible }),
  history: (sessionId: number, messages: unknown[], hasMore: boolean, ref?: Ref) => JSON.stringify({ v: 1, type: 'history', sessionId, messages, hasMore, ...withRef(ref) }),
  /** Frames of these sessions may have been lost (the replica's Redis connection was down): fetch history since the last one seen. */
  resync: (sessionIds: readonly number[]) => JSON.stringify({ v: 1, type: 'resync', sessionIds }),
  pong: (ref?: Ref) => JSON.stringify({ v: 1, type: 'pong', ...withRef(ref) }),
  error: (code: string, message: string, extra: { clientMsgId?: string; ref?: Ref; sessionId?: number } = {}) => JSON.stringify({ v: 1, type: 'error', code, message, ...extra }),
} as const;

/** A failed request's error frame: whatever the kind, the client branches on the code. */
export const errorFrameOf = (err: AppError, extra: { clientMsgId?: string; ref?: Ref; sessionId?: number } = {}): string => frames.error(err.code, err.message, extra);
