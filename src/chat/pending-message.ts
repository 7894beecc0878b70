// A chat message accepted from a socket and waiting for the group commit, and what its commit came to. Shared by
// the writer (writer.ts), the stores that write batches (service.ts, sqlite-writer.ts) and the send path.

export interface PendingMessage {
  sessionId: number;
  authorId: number;
  clientMsgId: string;
  content: string;
}

export type CommitResult = { ok: true; id: number; createdAt: Date; duplicate: boolean } | { ok: false; code: string; message: string; cause?: unknown };
