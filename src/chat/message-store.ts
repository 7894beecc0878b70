// Writes the chat server's message batches (the group commit's `commitMessages`), per database provider: on SQLite
// through the chat's own connection (sqlite-writer.ts), on MySQL/MariaDB with Prisma's createMany. A message whose
// (session, author, clientMsgId) exists already is not written again: it gets the original id (`duplicate`). When a
// batch cannot be written as a whole, each message is written on its own, so only the ones that really fail (e.g.
// their session was deleted) get an error. Read markers in the batch (`read` frames) are written in the same
// transaction as its messages (read-state.ts).
import type { Config } from '../config.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { CommitResult, ItemResult, PendingItem, PendingMessage, PendingRead, ReadResult } from './pending-message.js';
import { isUniqueViolation } from '../platform/known-errors.js';
import { writeRead } from './read-state.js';
import { isForeignKeyViolation } from './rows.js';
import { SqliteMessageWriter } from './sqlite-writer.js';

type Written = { id: number; createdAt: Date; duplicate: boolean };

const keyOf = (m: { sessionId: number; authorId: number; clientMsgId: string | null }) => `${m.sessionId}:${m.authorId}:${m.clientMsgId ?? ''}`;

export class MessageStore {
  /** SQLite only: the hot path's own connection, opened by the first batch (so only the chat process has one). */
  private sqliteWriter: SqliteMessageWriter | null = null;

  constructor(
    private readonly prisma: Db,
    private readonly config: Pick<Config, 'databaseProvider' | 'sqlitePath'>,
  ) {}

  close(): void {
    this.sqliteWriter?.close();
    this.sqliteWriter = null;
  }

  /** Writes a batch of messages in one transaction and says, per message, its id or why it failed (see above). */
  async commitMessages(batch: PendingMessage[]): Promise<CommitResult[]> {
    return (await this.commitAll(batch, [])).messages;
  }

  /** Messages and read markers, in one transaction: the results in the batch's order. */
  async commit(batch: PendingItem[]): Promise<ItemResult[]> {
    const messages: PendingMessage[] = [];
    const reads: PendingRead[] = [];
    for (const item of batch) {
      if (item.kind === 'read') reads.push(item);
      else messages.push(item);
    }
    const out = await this.commitAll(messages, reads);
    let m = 0;
    let r = 0;
    return batch.map((item) => (item.kind === 'read' ? out.reads[r++] : out.messages[m++]));
  }

  private async commitAll(batch: PendingMessage[], reads: PendingRead[]): Promise<{ messages: CommitResult[]; reads: ReadResult[] }> {
    const unique = new Map<string, PendingMessage>();
    for (const m of batch) if (!unique.has(keyOf(m))) unique.set(keyOf(m), m);
    const rows = [...unique.values()];
    let written: Map<string, Written> | null = null;
    let readResults: ReadResult[] | null = null;
    const sqlite = this.config.databaseProvider === 'sqlite' && this.config.sqlitePath ? this.config.sqlitePath : null;
    try {
      ({ written, reads: readResults } = sqlite ? await this.writeSqlite(sqlite, rows, reads) : await this.insertAll(rows, reads));
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
    // read markers the batch's transaction did not write are written one by one
    readResults ??= await this.readsOneByOne(reads);
    if (!written) {
      written = new Map();
      const failures = new Map<string, CommitResult>();
      for (const m of rows) {
        const r = await this.commitOne(m);
        if (r.ok) written.set(keyOf(m), r);
        else failures.set(keyOf(m), r);
      }
      return { messages: this.results(batch, written, failures), reads: readResults };
    }
    return { messages: this.results(batch, written, new Map()), reads: readResults };
  }

  private async readsOneByOne(reads: PendingRead[]): Promise<ReadResult[]> {
    const out: ReadResult[] = [];
    for (const r of reads)
      out.push(await writeRead(this.prisma, r).catch((e: unknown): ReadResult => ({ ok: false, code: 'write_failed', message: 'The read marker could not be stored.', cause: e })));
    return out;
  }

  private results(batch: PendingMessage[], written: Map<string, Written>, failures: Map<string, CommitResult>): CommitResult[] {
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
  private async writeSqlite(file: string, rows: PendingMessage[], reads: PendingRead[]): Promise<{ written: Map<string, Written>; reads: ReadResult[] }> {
    this.sqliteWriter ??= new SqliteMessageWriter(file);
    // a pause between two writes when the WAL has grown past its limit (sqlite-writer.ts)
    const pause = this.sqliteWriter.ready();
    if (pause) await pause;
    const out = this.sqliteWriter.writeWithReads(rows, reads);
    return { written: new Map(rows.map((m, i) => [keyOf(m), out.messages[i]])), reads: out.reads };
  }

  /** MySQL, the common case: none of them exists yet. createMany, then the ids by their unique keys. */
  private async insertAll(rows: PendingMessage[], reads: PendingRead[]): Promise<{ written: Map<string, Written>; reads: ReadResult[] }> {
    const now = new Date();
    const data = rows.map((m) => ({ sessionId: m.sessionId, authorId: m.authorId, clientMsgId: m.clientMsgId, content: m.content, createDate: now }));
    const out = new Map<string, Written>();
    return this.prisma.$transaction(async (tx) => {
      if (data.length) await tx.chatMessage.createMany({ data });
      if (rows.length) for (const r of await this.findByKeys(tx, rows)) out.set(keyOf(r), { id: r.id, createdAt: r.createDate, duplicate: false });
      const readResults: ReadResult[] = [];
      for (const r of reads) readResults.push(await writeRead(tx, r));
      return { written: out, reads: readResults };
    });
  }

  /** Some exist already (resends): those keep their ids, the others are written. */
  private async insertMissing(rows: PendingMessage[]): Promise<Map<string, Written>> {
    return this.prisma.$transaction(async (tx) => {
      const out = new Map<string, Written>();
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
      const r = await this.prisma.chatMessage.create({
        data: { sessionId: m.sessionId, authorId: m.authorId, clientMsgId: m.clientMsgId, content: m.content },
        select: { id: true, createDate: true },
      });
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
      return { ok: false, code: 'write_failed', message: 'The message could not be stored.', cause: e };
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
}
