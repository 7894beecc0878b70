// The chat's hot write path on SQLite: its own better-sqlite3 connection to the same database file and one prepared
// statement, run for a whole batch inside one transaction. Measured (bench:chat): Prisma's createManyAndReturn
// costs ~20x and a raw Prisma query ~2x the CPU per row of this, and the chat process does little else.
// `ON CONFLICT DO NOTHING` makes a resend (same session, author and clientMsgId) return no row; the original is
// then looked up, so duplicates never fail the batch. Any other error (a deleted session: foreign key) throws and
// rolls the whole batch back; the caller then writes its messages one by one to find the culprit. WAL checkpoints run
// on a worker thread (below), never inside a commit on the event loop. Read markers (`read` frames) are written in
// the same transaction as the batch's messages (readStep).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { PendingMessage, PendingRead, ReadResult } from './pending-message.js';

export interface WrittenRow {
  id: number;
  createdAt: Date;
  duplicate: boolean;
}

// once a second: fewer, larger checkpoints cost the pinned core less than frequent small ones (bench:chat)
const CHECKPOINT_EVERY_MS = 1000;
// The checkpointer thread's nice value (Linux). On a busy core the scheduler favours a thread that sleeps most of the
// time, like this one, over the event loop, which would then wait behind a checkpoint after each commit's fsync.
// At 19 the loop goes first and the checkpoint takes the idle time. It pays off only with --single-threaded-gc
// (node-flags.ts); measurements in docs/decisions/0005-chat-gc-and-checkpointer-priority.md.
const CHECKPOINTER_NICE = 19;
// ~64 MB of WAL (4 KB pages): past this the writer pauses once so that the WAL can start over (below)
const WAL_LIMIT_FRAMES = 16_384;
// When the WAL starts over, SQLite cuts its file back to journal_size_limit. At the WAL limit itself that would
// happen at every restart (the file is always a little past the limit by then), making that commit free and
// reallocate the blocks. Four times the limit leaves the file at its usual size and still cuts back what a long
// stall grew (docs/decisions/0004-checkpointer-thread-and-wal-pause.md).
const JOURNAL_SIZE_LIMIT_FACTOR = 4;

export interface SqliteWriterOptions {
  checkpointEveryMs?: number;
  walLimitFrames?: number;
  checkpointerNice?: number;
  /** How long a pause (ready()) waits for the checkpointer at most; 1 s by default. */
  pauseTimeoutMs?: number;
}

// The checkpointer thread (CommonJS, evaluated): PASSIVE checkpoints never wait for, nor block, the writer. But the
// WAL only starts over from its beginning when every frame has been copied before the writer's next transaction,
// which never happens while commits follow each other back to back: at saturation it grows without bound
// (docs/decisions/0004). So past the limit the thread asks the writer for a pause ('pause'); the writer answers between two commits
// ('paused'), the thread copies what is left and lets it go on ('resume'): its next transaction restarts the WAL,
// writing over the file from its start (journal_size_limit truncates it only when it grew far past the limit).
const checkpointerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
// setpriority() on a thread id changes that thread alone (Linux); elsewhere the thread keeps its priority
try { require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), workerData.nice); } catch {}
const db = new Database(workerData.file, { timeout: 5000 });
const passive = () => { try { return db.pragma('wal_checkpoint(PASSIVE)')[0]; } catch { return null; /* busy: next time */ } };
let asked = false;
const run = () => {
  const r = passive();
  if (r && r.log > workerData.limitFrames && !asked) { asked = true; parentPort.postMessage('pause'); }
};
const timer = setInterval(run, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'paused') { passive(); asked = false; parentPort.postMessage('resume'); return; }
  clearInterval(timer); passive(); db.close(); parentPort.close();
});
`;

function startCheckpointer(file: string, opts: Required<Omit<SqliteWriterOptions, 'pauseTimeoutMs'>>, onFailure: () => void): Worker {
  const worker = new Worker(checkpointerSource, {
    eval: true,
    workerData: { file, everyMs: opts.checkpointEveryMs, limitFrames: opts.walLimitFrames, nice: opts.checkpointerNice, module: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.on('error', onFailure);
  worker.unref();
  return worker;
}

/** Prisma's text format for DateTime on SQLite (`…T…+00:00`), so rows written here read back like the others. */
const prismaTime = (d: Date) => d.toISOString().replace('Z', '+00:00');

export class SqliteMessageWriter {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly existing: Database.Statement;
  private readonly writeBatch: (rows: PendingMessage[], reads: PendingRead[]) => { messages: WrittenRow[]; reads: ReadResult[] };
  private readonly readStep: (r: PendingRead) => ReadResult;
  private readonly checkpointer: Worker;

  /** The checkpointer asked for a pause between two writes (see checkpointerSource). */
  private pauseWanted = false;
  private resume: (() => void) | null = null;
  private readonly pauseTimeoutMs: number;

  constructor(file: string, options: SqliteWriterOptions = {}) {
    const opts = {
      checkpointEveryMs: options.checkpointEveryMs ?? CHECKPOINT_EVERY_MS,
      walLimitFrames: options.walLimitFrames ?? WAL_LIMIT_FRAMES,
      checkpointerNice: options.checkpointerNice ?? CHECKPOINTER_NICE,
    };
    this.pauseTimeoutMs = options.pauseTimeoutMs ?? 1000;
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // An ack promises a durable message (DESIGN.md), also across a power loss: the WAL is synced at every commit.
    // (A connection opening a database that is in WAL mode already starts at NORMAL in better-sqlite3, which syncs
    // only at checkpoints: a committed, acknowledged batch could be lost with the machine.) Measured with bench:chat:
    // no loss of throughput, and less CPU at a fixed rate, since batches grow while a sync runs.
    this.db.pragma('synchronous = FULL');
    // Checkpoints (copying the WAL into the database file, with its fsync) would otherwise run inside a commit
    // on this thread every ~1000 pages and stall every socket. A worker thread with its own connection
    // checkpoints instead (docs/decisions/0004).
    this.db.pragma('wal_autocheckpoint = 0');
    // when the WAL starts over, a file grown past a few times the limit is cut back (JOURNAL_SIZE_LIMIT_FACTOR)
    this.db.pragma(`journal_size_limit = ${opts.walLimitFrames * 4096 * JOURNAL_SIZE_LIMIT_FACTOR}`);
    try {
      this.insert = this.db.prepare(
        'INSERT INTO chat_messages (sessionId, authorId, clientMsgId, content, createDate, updateDate) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (authorId, sessionId, clientMsgId) DO NOTHING RETURNING id',
      );
      this.existing = this.db.prepare('SELECT id, createDate FROM chat_messages WHERE sessionId = ? AND authorId = ? AND clientMsgId = ?');
      const visible = this.db.prepare('SELECT 1 AS x FROM chat_messages WHERE id = ? AND sessionId = ? AND isVisible = 1');
      const member = this.db.prepare('SELECT lastReadMessageId AS at FROM chat_session_members WHERE sessionId = ? AND userId = ?');
      const advance = this.db.prepare('UPDATE chat_session_members SET lastReadMessageId = ? WHERE sessionId = ? AND userId = ? AND (lastReadMessageId IS NULL OR lastReadMessageId < ?)');
      const members = this.db.prepare('SELECT COUNT(*) AS n FROM chat_session_members WHERE sessionId = ?');
      this.readStep = (r) => {
        if (!member.get(r.sessionId, r.userId)) return { ok: false, code: 'chat_member_not_found', message: 'Only members keep a read marker.' };
        if (!visible.get(r.messageId, r.sessionId)) return { ok: false, code: 'chat_message_not_found', message: 'No such message.' };
        const moved = advance.run(r.messageId, r.sessionId, r.userId, r.messageId).changes > 0;
        return { ok: true, moved, members: moved ? (members.get(r.sessionId) as { n: number }).n : 0 };
      };
      this.writeBatch = this.db.transaction((rows: PendingMessage[], reads: PendingRead[]) => {
        const now = new Date();
        const at = prismaTime(now);
        const messages = rows.map((m) => {
          const row = this.insert.get(m.sessionId, m.authorId, m.clientMsgId, m.content, at, at) as { id: number } | undefined;
          if (row) return { id: row.id, createdAt: now, duplicate: false };
          const old = this.existing.get(m.sessionId, m.authorId, m.clientMsgId) as { id: number; createDate: string };
          return { id: old.id, createdAt: new Date(old.createDate), duplicate: true };
        });
        return { messages, reads: reads.map(this.readStep) };
      });
    } catch (e) {
      this.db.close();
      throw e;
    }
    // the thread last: a statement that cannot be prepared (no table) leaves no thread and no connection behind
    this.checkpointer = startCheckpointer(file, opts, () => {
      // no worker thread: this connection checkpoints again, as SQLite does by default
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      this.pauseWanted = false;
      this.resume?.();
    });
    this.checkpointer.on('message', (m: string) => {
      if (m === 'pause') this.pauseWanted = true;
      else if (m === 'resume') this.resume?.();
    });
  }

  /** The connection's journal mode and `synchronous` level (2 = FULL), as SQLite reports them. */
  durability(): { journalMode: string; synchronous: number } {
    return { journalMode: String(this.db.pragma('journal_mode', { simple: true })), synchronous: Number(this.db.pragma('synchronous', { simple: true })) };
  }

  /**
   * Call before write(): null when the write may go ahead, or a promise that resolves once the checkpointer has
   * copied the whole WAL while no write ran (at most pauseTimeoutMs, a second), so that the next write starts the
   * WAL over.
   */
  ready(): Promise<void> | null {
    if (!this.pauseWanted) return null;
    this.pauseWanted = false;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resume = null;
        resolve();
      };
      const timer = setTimeout(done, this.pauseTimeoutMs);
      this.resume = done;
      this.checkpointer.postMessage('paused');
    });
  }

  /** Writes the batch in one transaction; results in the batch's order. Throws (nothing written) on any other error. */
  write(rows: PendingMessage[]): WrittenRow[] {
    return this.writeBatch(rows, []).messages;
  }

  /** Messages and read markers in one transaction; throws (nothing written) on any error of the database. */
  writeWithReads(rows: PendingMessage[], reads: PendingRead[]): { messages: WrittenRow[]; reads: ReadResult[] } {
    return this.writeBatch(rows, reads);
  }

  close(): void {
    this.resume?.();
    this.checkpointer.postMessage('stop');
    if (this.db.open) this.db.close();
  }
}
