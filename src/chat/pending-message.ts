// A chat message accepted from a socket and waiting for the group commit, and what its commit came to. Shared by
// the writer (writer.ts), the stores that write batches (service.ts, sqlite-writer.ts) and the send path. A `read`
// (the member has read the session up to a message) rides the same group commit as the messages.

export interface PendingMessage {
  kind?: undefined;
  sessionId: number;
  authorId: number;
  clientMsgId: string;
  content: string;
}

export type CommitResult = { ok: true; id: number; createdAt: Date; duplicate: boolean } | { ok: false; code: string; message: string; cause?: unknown };

export interface PendingRead {
  kind: 'read';
  sessionId: number;
  userId: number;
  messageId: number;
}

/** `moved`: the member's read marker went forward (an older or equal id changes nothing); `members`: the session's member count. */
export type ReadResult = { ok: true; moved: boolean; members: number } | { ok: false; code: string; message: string; cause?: unknown };

export type PendingItem = PendingMessage | PendingRead;
export type ItemResult = CommitResult | ReadResult;
