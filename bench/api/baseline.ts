// One baseline server of `npm run bench:api`, in its own process: the post list, the post detail and comment
// creation, building the same JSON as Agora's api from the same rows, with nothing around the query (no auth,
// no policy, no validation, no logging). BENCH_BASELINE picks the stack:
//   A  node:http + raw better-sqlite3     B  Express + raw better-sqlite3     C  Express + Prisma (SQLite or MariaDB)
// BENCH_DATABASE_URL is the database (file:… or mysql://…), BENCH_AUTHOR the comment author's id. Prints
// `listening <port>` when ready.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import express from 'express';
import { loadConfig } from '../../src/config.js';
import { createPrisma } from '../../src/platform/prisma.js';

const which = process.env.BENCH_BASELINE ?? 'A';
const url = process.env.BENCH_DATABASE_URL ?? '';
const authorId = Number(process.env.BENCH_AUTHOR ?? 1);

interface Store {
  list(boardId: number): unknown;
  detail(postId: number): unknown;
  comment(postId: number, content: string): unknown;
}

const iso = (v: unknown): string => new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as string | number)).toISOString();
const cursorOf = (createDate: string, id: number) => Buffer.from(JSON.stringify([createDate, id])).toString('base64url');

/** Raw better-sqlite3: prepared statements, rows mapped by hand to the API's shape. */
function rawStore(file: string): Store {
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const columns = `p.id, p.boardId, p.name, p.createDate, p.updateDate, p.numberOfView, p.numberOfComment, p.numberOfLike, p.isFileAttached, p.isVisible, u.id AS authorId, u.name AS authorName`;
  const listStmt = db.prepare(`SELECT ${columns} FROM posts p JOIN users u ON u.id = p.authorId WHERE p.boardId = ? AND p.isVisible = 1 ORDER BY p.createDate DESC, p.id DESC LIMIT 21`);
  const detailStmt = db.prepare(`SELECT ${columns}, p.content FROM posts p JOIN users u ON u.id = p.authorId WHERE p.id = ?`);
  const filesStmt = db.prepare(`SELECT id, originalName, size, mimeType FROM post_files WHERE postId = ? ORDER BY id`);
  const insertComment = db.prepare(`INSERT INTO comments (postId, authorId, content, createDate, updateDate) VALUES (?, ?, ?, ?, ?) RETURNING id, createDate, updateDate`);
  const moveCounter = db.prepare(`UPDATE posts SET numberOfComment = numberOfComment + 1 WHERE id = ?`);
  const authorStmt = db.prepare(`SELECT id, name FROM users WHERE id = ?`);
  type Row = Record<string, unknown> & { id: number; authorId: number; authorName: string; createDate: unknown; updateDate: unknown };
  const post = (r: Row) => ({
    id: r.id,
    boardId: r.boardId,
    name: r.name,
    createDate: iso(r.createDate),
    updateDate: iso(r.updateDate),
    numberOfView: r.numberOfView,
    numberOfComment: r.numberOfComment,
    numberOfLike: r.numberOfLike,
    isFileAttached: r.isFileAttached === 1,
    isVisible: r.isVisible === 1,
    author: { id: r.authorId, name: r.authorName },
  });
  const comment = db.transaction((postId: number, content: string) => {
    const now = Date.now();
    const row = insertComment.get(postId, authorId, content, now, now) as { id: number; createDate: unknown; updateDate: unknown };
    moveCounter.run(postId);
    return row;
  });
  return {
    list(boardId) {
      const rows = listStmt.all(boardId) as Row[];
      const items = rows.slice(0, 20).map(post);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > 20 && last ? cursorOf(last.createDate, last.id) : null };
    },
    detail(postId) {
      const r = detailStmt.get(postId) as Row | undefined;
      if (!r) return null;
      const files = (filesStmt.all(postId) as { id: number; originalName: string; size: number; mimeType: string }[]).map((f) => ({ ...f, id: `p${f.id}`, url: `/api/v1/files/p${f.id}` }));
      return { ...post(r), content: r.content, files };
    },
    comment(postId, content) {
      const row = comment(postId, content);
      return { id: row.id, postId, content, author: authorStmt.get(authorId), createDate: iso(row.createDate), updateDate: iso(row.updateDate), isFileAttached: false, isVisible: true, files: [] };
    },
  };
}

/** Prisma, with the selects Agora's services use. */
async function prismaStore(): Promise<Store> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:6379' });
  const prisma = await createPrisma(config);
  const select = {
    id: true,
    boardId: true,
    name: true,
    createDate: true,
    updateDate: true,
    numberOfView: true,
    numberOfComment: true,
    numberOfLike: true,
    isFileAttached: true,
    isVisible: true,
    author: { select: { id: true, name: true } },
  } as const;
  const fileSelect = { id: true, originalName: true, size: true, mimeType: true } as const;
  return {
    async list(boardId) {
      const rows = await prisma.post.findMany({ where: { boardId, isVisible: true }, select, orderBy: [{ createDate: 'desc' }, { id: 'desc' }], take: 21 });
      const items = rows.slice(0, 20);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > 20 && last ? cursorOf(last.createDate.toISOString(), last.id) : null };
    },
    async detail(postId) {
      const p = await prisma.post.findUnique({ where: { id: postId }, select: { ...select, content: true, files: { select: fileSelect, orderBy: { id: 'asc' } } } });
      return p && { ...p, files: p.files.map((f) => ({ ...f, id: `p${f.id}`, url: `/api/v1/files/p${f.id}` })) };
    },
    async comment(postId, content) {
      const [c] = await prisma.$transaction([
        prisma.comment.create({
          data: { postId, authorId, content },
          select: { id: true, postId: true, content: true, author: { select: { id: true, name: true } }, createDate: true, updateDate: true, isFileAttached: true, isVisible: true },
        }),
        prisma.post.update({ where: { id: postId }, data: { numberOfComment: { increment: 1 } }, select: { id: true } }),
      ]);
      return { ...c, files: [] };
    },
  };
}

const store = which === 'C' ? await prismaStore() : rawStore(url.replace(/^file:/, ''));

const listPath = /^\/boards\/(\d+)\/posts(?:\?.*)?$/;
const detailPath = /^\/boards\/\d+\/posts\/(\d+)$/;
const commentPath = /^\/posts\/(\d+)\/comments$/;

let server: http.Server;
if (which === 'A') {
  server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    };
    const path = req.url ?? '';
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = path.match(listPath))) return send(200, store.list(Number(m[1])));
    if (req.method === 'GET' && (m = path.match(detailPath))) return send(200, store.detail(Number(m[1])));
    if (req.method === 'POST' && (m = path.match(commentPath))) {
      const postId = Number(m[1]);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => send(201, store.comment(postId, (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { content: string }).content)));
      return;
    }
    send(404, { code: 'not_found' });
  });
} else {
  const app = express();
  app.use(express.json());
  app.get('/boards/:boardId/posts', async (req, res) => {
    res.json(await store.list(Number(req.params.boardId)));
  });
  app.get('/boards/:boardId/posts/:postId', async (req, res) => {
    res.json(await store.detail(Number(req.params.postId)));
  });
  app.post('/posts/:postId/comments', async (req, res) => {
    res.status(201).json(await store.comment(Number(req.params.postId), (req.body as { content: string }).content));
  });
  server = http.createServer(app);
}
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
