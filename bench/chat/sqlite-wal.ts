// Micro-benchmark of the chat writer's SQL on SQLite (docs/decisions/0006-*.md): what one message costs in WAL
// bytes and time, by batch size, with the table and indexes of `chat_messages` as they are and without each
// secondary index. 1,000 authors in 100 sessions; 200,000 rows of history first, then 50,000 new rows in batches.
//   npx tsx bench/chat/sqlite-wal.ts [synchronous: FULL|OFF] [page size]
// FULL is the chat writer's setting (each commit synced); OFF leaves the CPU part. Writes its database files in the
// system's temporary folder and removes them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const sync = (process.argv[2] ?? 'FULL').toUpperCase();
const pageSize = Number(process.argv[3] ?? 4096);
const HISTORY = 200_000;
const N = 50_000;
const variants: Record<string, string[]> = {
  'as now (unique + history index)': ['CREATE INDEX h ON m (sessionId, id)', 'CREATE UNIQUE INDEX u ON m (authorId, sessionId, clientMsgId)'],
  'without the unique key': ['CREATE INDEX h ON m (sessionId, id)'],
  'without the history index': ['CREATE UNIQUE INDEX u ON m (authorId, sessionId, clientMsgId)'],
};

function run(indexes: string[], batch: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-wal-'));
  const file = path.join(dir, 'w.db');
  try {
    const db = new Database(file);
    db.pragma(`page_size = ${pageSize}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync}`);
    db.pragma('wal_autocheckpoint = 0');
    db.exec(
      'CREATE TABLE m (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, sessionId INTEGER NOT NULL, authorId INTEGER NOT NULL, content TEXT NOT NULL, clientMsgId TEXT, createDate DATETIME NOT NULL, updateDate DATETIME NOT NULL, isVisible BOOLEAN NOT NULL DEFAULT true)',
    );
    for (const sql of indexes) db.exec(sql);
    const insert = db.prepare('INSERT INTO m (sessionId, authorId, clientMsgId, content, createDate, updateDate) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id');
    const content = `t${'1'.repeat(99)}`;
    const seq = new Array(1000).fill(0);
    const write = db.transaction((n: number) => {
      const at = new Date().toISOString().replace('Z', '+00:00');
      for (let i = 0; i < n; i++) {
        const author = Math.floor(Math.random() * 1000);
        insert.get(1 + Math.floor(author / 10), author, `abcdef-${author}-${seq[author]++}`, content, at, at);
      }
    });
    for (let i = 0; i < HISTORY / 500; i++) write(500);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const started = process.hrtime.bigint();
    for (let i = 0; i < N / batch; i++) write(batch);
    const us = Number(process.hrtime.bigint() - started) / 1e3 / N;
    const wal = fs.statSync(`${file}-wal`).size;
    db.close();
    return `${(wal / N / 1024).toFixed(2)} KB, ${us.toFixed(1)} µs`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const batches = [10, 100, 500];
console.log(`chat_messages writes: WAL per message and time per message, synchronous=${sync}, page size ${pageSize}, node ${process.version}`);
console.log(`${''.padEnd(34)}${batches.map((b) => `batch ${b}`.padStart(20)).join('')}`);
for (const [name, indexes] of Object.entries(variants)) {
  console.log(`${name.padEnd(34)}${batches.map((b) => run(indexes, b).padStart(20)).join('')}`);
}
