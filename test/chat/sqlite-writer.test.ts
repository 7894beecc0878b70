// The chat's SQLite writer on a real database file: batches in order, resends keep their ids, a bad row rolls the
// whole batch back, WAL checkpoints happen on its worker thread (its own connection never checkpoints), and the
// WAL stays bounded when commits never stop (its file reused, not cut back and grown again at each restart).
// No speed is asserted here: how fast the writer goes is bench:chat's business (bench/chat.ts).
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { SqliteMessageWriter } from '../../src/chat/sqlite-writer.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

/** A migrated SQLite database with one author and one chat session. */
async function chatDatabase(): Promise<{ db: TestDatabase; file: string; authorId: number; sessionId: number }> {
  const db = await freshDatabase('sqlite');
  const file = db.url.slice('file:'.length);
  const setup = new Database(file);
  const at = new Date().toISOString().replace('Z', '+00:00');
  const authorId = Number(setup.prepare("INSERT INTO users (name, email, passwordHash, role, joinDate, updateDate) VALUES ('w', 'w@x.io', 'x', 'user', ?, ?)").run(at, at).lastInsertRowid);
  const sessionId = Number(setup.prepare("INSERT INTO chat_sessions (creatorId, name, createDate, updateDate) VALUES (?, 's', ?, ?)").run(authorId, at, at).lastInsertRowid);
  setup.close();
  return { db, file, authorId, sessionId };
}

function readHeader(path: string, bytes: number): Buffer {
  const header = Buffer.alloc(bytes);
  const fd = fs.openSync(path, 'r');
  try {
    fs.readSync(fd, header, 0, bytes, 0);
  } finally {
    fs.closeSync(fd);
  }
  return header;
}

/**
 * Where the WAL stands, which its file's size does not show (the file is reused, not cut back): the number of
 * frames in it (mxFrame, in the wal-index header at the start of the -shm file: a 32-bit integer in the machine's
 * byte order at offset 16, https://sqlite.org/walformat.html), and how many times it started over (the checkpoint
 * sequence number of the WAL file's header: big-endian at offset 12, https://sqlite.org/fileformat.html#wal_file_format).
 */
function walState(file: string): { frames: number; restarts: number } {
  const index = readHeader(`${file}-shm`, 48);
  return {
    frames: os.endianness() === 'LE' ? index.readUInt32LE(16) : index.readUInt32BE(16),
    restarts: readHeader(`${file}-wal`, 32).readUInt32BE(12),
  };
}

describe('SqliteMessageWriter', () => {
  let db: TestDatabase;
  let file: string;
  let writer: SqliteMessageWriter;
  let sessionId: number;
  let authorId: number;

  beforeAll(async () => {
    ({ db, file, authorId, sessionId } = await chatDatabase());
    writer = new SqliteMessageWriter(file);
  });

  afterAll(async () => {
    writer.close();
    await db.drop();
  });

  const msg = (clientMsgId: string, content = 'x'.repeat(200), session = sessionId, author = authorId) => ({ sessionId: session, authorId: author, clientMsgId, content });

  it('syncs the WAL at every commit (synchronous FULL), so an acknowledged message survives a power loss', () => {
    // a fresh connection to a database already in WAL mode would start at NORMAL (1)
    expect(writer.durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
  });

  it('writes a batch in order; a resend returns the original id and is not stored twice', () => {
    const first = writer.write([msg('a'), msg('b'), msg('c')]);
    expect(first.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(first[1].id).toBeGreaterThan(first[0].id);
    const again = writer.write([msg('b'), msg('d')]);
    expect(again[0]).toMatchObject({ id: first[1].id, duplicate: true });
    expect(again[1].duplicate).toBe(false);
    const check = new Database(file, { readonly: true });
    expect((check.prepare("SELECT count(*) n FROM chat_messages WHERE clientMsgId = 'b'").get() as { n: number }).n).toBe(1);
    // stored in Prisma's DateTime format, so rows written here read back like the others
    expect((check.prepare("SELECT createDate FROM chat_messages WHERE clientMsgId = 'a'").get() as { createDate: string }).createDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    check.close();
  });

  it('a row that cannot be written (unknown session) rolls the whole batch back', () => {
    expect(() => writer.write([msg('e'), msg('f', 'y', 999_999)])).toThrow(/FOREIGN KEY/);
    const check = new Database(file, { readonly: true });
    expect((check.prepare("SELECT count(*) n FROM chat_messages WHERE clientMsgId IN ('e', 'f')").get() as { n: number }).n).toBe(0);
    check.close();
  });

  /** This process's threads and their nice values (Linux /proc: field 19 of each thread's stat). */
  const threadNices = (): Map<number, number> =>
    new Map(
      fs.readdirSync('/proc/self/task').flatMap((tid) => {
        try {
          const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [[Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as [number, number]];
        } catch {
          return []; // a thread that ended meanwhile
        }
      }),
    );
  (process.platform === 'linux' ? it : it.skip)(
    'runs its checkpointer thread at nice 19, and the event loop at the process’s own priority',
    async () => {
      const before = threadNices();
      const mainNice = before.get(process.pid);
      const other = new SqliteMessageWriter(file);
      // the threads this writer started (its worker thread, and any thread that one starts), once it has lowered its own
      const ours = () => [...threadNices()].filter(([tid, nice]) => !before.has(tid) && nice === 19).map(([tid]) => tid);
      let niced: number[] = [];
      try {
        await waitFor('the checkpointer thread to lower its priority', () => (niced = ours()).length > 0, 30_000);
        expect(threadNices().get(process.pid)).toBe(mainNice);
      } finally {
        other.close();
      }
      await waitFor('the checkpointer thread to end', () => niced.every((tid) => !threadNices().has(tid)), 30_000);
    },
    90_000,
  );

  it('checkpoints the WAL from its worker thread while the writer itself never does', async () => {
    const before = fs.statSync(file).size;
    for (let b = 0; b < 20; b++) writer.write(Array.from({ length: 250 }, (_, i) => msg(`cp-${b}-${i}`, 'z'.repeat(400))));
    // ~2 MB of rows, all in the WAL right after the commits: the writer's own autocheckpoint is off
    const wal = fs.statSync(`${file}-wal`).size;
    expect(wal).toBeGreaterThan(1_000_000);
    // the pages reach the database file (at the checkpointer's next beat, a second away): only the checkpointer
    // thread can have copied them
    await waitFor('the pages in the database file', () => fs.statSync(file).size > before + 1_000_000, 60_000, 50);
  }, 90_000);

  it('keeps the WAL bounded while batches follow each other back to back: past its limit the writer pauses once and the WAL starts over, without cutting its file back each time', async () => {
    // a database of its own: no other connection (nor another writer's checkpointer) touches its WAL
    const own = await chatDatabase();
    const limitFrames = 200; // ~800 KB
    const frameBytes = 4096 + 24;
    // a pause waits for the checkpointer however busy the machine is, so every pause ends with the whole WAL copied
    const bounded = new SqliteMessageWriter(own.file, { checkpointEveryMs: 20, walLimitFrames: limitFrames, pauseTimeoutMs: 60_000 });
    const batches = 300;
    let pauses = 0;
    // the WAL started over: after each pause, and maybe on its own when the checkpointer happened to have copied
    // everything just before a commit
    let restarts = 0;
    let restartsAfterPause = 0;
    let framesWritten = 0;
    let wal = { frames: 0, restarts: 0 };
    let maxFrames = 0;
    let maxWal = 0;
    // times the WAL file got smaller: SQLite cutting it back to journal_size_limit as the WAL starts over
    let truncations = 0;
    let lastWal = 0;
    try {
      for (let b = 0; b < batches; b++) {
        let pause = bounded.ready();
        // The checkpointer runs on its own thread, at its own pace: on a busy machine it may fall behind. Past three
        // times the limit, the loop waits for its request to pause instead of outrunning it, so that what is measured
        // below is the writer's protocol, not the scheduler (the request, by then overdue, must come).
        if (!pause && wal.frames > 3 * limitFrames) {
          pause = (
            await waitFor(
              'the checkpointer to ask for a pause',
              () => {
                const p = bounded.ready();
                return p && { p };
              },
              60_000,
            )
          ).p;
        }
        if (pause) {
          pauses++;
          await pause;
        }
        bounded.write(Array.from({ length: 50 }, (_, i) => msg(`wal-${b}-${i}`, 'w'.repeat(400), own.sessionId, own.authorId)));
        const now = walState(own.file);
        const restarted = b > 0 && now.restarts !== wal.restarts;
        if (restarted) restarts++;
        if (restarted && pause) restartsAfterPause++;
        framesWritten += restarted ? now.frames : now.frames - wal.frames;
        wal = now;
        maxFrames = Math.max(maxFrames, wal.frames);
        const size = fs.statSync(`${own.file}-wal`).size;
        if (size < lastWal) truncations++;
        lastWal = size;
        maxWal = Math.max(maxWal, size);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      bounded.close();
    }
    // far more went through the WAL than its limit: without restarts it would have grown past ten times the limit
    expect(framesWritten).toBeGreaterThan(10 * limitFrames);
    // the checkpointer asked for pauses, and the write after each one started the WAL over
    expect(pauses).toBeGreaterThan(0);
    expect(restartsAfterPause).toBe(pauses);
    expect(restarts).toBeGreaterThanOrEqual(pauses);
    // so the WAL stayed within three times its limit and a batch or so, and its file with it...
    const batchFrames = framesWritten / batches;
    expect(maxFrames).toBeLessThanOrEqual(3 * limitFrames + 4 * batchFrames);
    expect(maxWal).toBeLessThanOrEqual(32 + maxFrames * frameBytes);
    // ...which is under journal_size_limit (four times the limit): the file was reused at each restart, never cut
    // back (with journal_size_limit at the WAL limit itself it was cut back at every restart, and in bench:chat each
    // of those commits took 10–20 ms instead of 1–3)
    expect(truncations).toBe(0);
    const check = new Database(own.file, { readonly: true });
    expect((check.prepare("SELECT count(*) n FROM chat_messages WHERE clientMsgId LIKE 'wal-%'").get() as { n: number }).n).toBe(batches * 50);
    check.close();
    await own.db.drop();
  }, 120_000);
});
