// The orphan-file sweep against a real database: it removes stale temp files and attachments no row refers to,
// and never a file a post or comment row names (by stored name or by path), nor one younger than the grace
// period (its transaction may still commit). test/process/upload-orphans.test.ts does it after a real kill -9.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { OrphanSweeper } from '../../src/files/sweep.js';
import { createLogger } from '../../src/platform/logger.js';
import { API } from '../helpers/auth.js';
import { actor, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';

let s: Suite;
let member: Actor;
let boardId: number;
const HOUR = 3600_000;

const root = () => s.t.ctx.config.uploadsDir;
const filesOnDisk = () => (fs.readdirSync(root(), { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root(), f)).isFile()).sort();
/** A file under the uploads folder, last written `ageMs` ago. */
function place(rel: string, ageMs: number, bytes = 100): string {
  const file = path.join(root(), rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.alloc(bytes, 1));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(file, t, t);
  return rel;
}
const age = (rel: string, ageMs: number) => {
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(path.join(root(), rel), t, t);
};
const hex = () => crypto.randomBytes(16).toString('hex');

beforeAll(async () => {
  s = await startSuite();
  const admin = await actor(s.t, s.app, 'admin');
  member = await actor(s.t, s.app);
  boardId = (await createBoard(s.app, admin)).id;
});
afterAll(() => s.t.cleanup());

describe('orphan file sweep', () => {
  it('removes stale temp files and unreferenced attachments; keeps referenced and young files', async () => {
    const post = await request(s.app)
      .post(`${API}/boards/${boardId}/posts`)
      .set('Authorization', `Bearer ${member.token}`)
      .field('name', 'kept')
      .field('content', 'files with rows')
      .attach('files', Buffer.from('post file\n'), { filename: 'p.txt', contentType: 'text/plain' })
      .attach('files', Buffer.from('renamed row\n'), { filename: 'r.txt', contentType: 'text/plain' });
    expect(post.status).toBe(201);
    const comment = await request(s.app)
      .post(`${API}/posts/${post.body.id}/comments`)
      .set('Authorization', `Bearer ${member.token}`)
      .field('content', 'a comment file')
      .attach('files', Buffer.from('comment file\n'), { filename: 'c.txt', contentType: 'text/plain' });
    expect(comment.status).toBe(201);
    const postRows = await s.t.ctx.prisma.postFile.findMany({ where: { postId: post.body.id }, orderBy: { id: 'asc' } });
    const commentRow = await s.t.ctx.prisma.commentFile.findFirstOrThrow({ where: { commentId: comment.body.id } });
    // a row that names its file by path only (its stored name differs): still a reference
    await s.t.ctx.prisma.postFile.update({ where: { id: postRows[1].id }, data: { storedName: hex() } });
    const referenced = [postRows[0].path, postRows[1].path, commentRow.path];
    for (const key of referenced) age(key, 2 * HOUR);

    const oldOrphan = place(`attachments/${hex()}.txt`, 2 * HOUR, 1000);
    const youngOrphan = place(`attachments/${hex()}.png`, 10 * 60_000);
    const staleTemp = place(`.tmp/${crypto.randomUUID()}`, 2 * HOUR, 500);
    const liveTemp = place(`.tmp/${crypto.randomUUID()}`, 1000);
    // other folders (model files) are not the sweep's
    const model = place('models/1/dataset.csv', 2 * HOUR);

    const lines: { msg: string; removed?: unknown; keys?: string[] }[] = [];
    const logger = createLogger({ logLevel: 'info', nodeEnv: 'test' }, 'test', { write: (l: string) => lines.push(JSON.parse(l)) });
    const sweeper = new OrphanSweeper(s.t.ctx.prisma, s.t.ctx.storage, logger, { intervalSeconds: 3600, graceSeconds: 3600 });
    expect(await sweeper.sweep()).toEqual({ temp: 1, attachments: 1, bytes: 1500 });

    expect(filesOnDisk()).toEqual([...referenced, youngOrphan, liveTemp, model].sort());
    const logged = lines.find((l) => l.msg === 'orphan files removed');
    expect(logged?.removed).toEqual({ temp: 1, attachments: 1, bytes: 1500 });
    expect(logged?.keys?.sort()).toEqual([oldOrphan, staleTemp].sort());
    expect(sweeper.stats()).toMatchObject({ runs: 1, removedTempFiles: 1, removedAttachments: 1, removedBytes: 1500 });

    // idempotent: a second pass (or another replica) finds nothing more, and logs nothing
    expect(await sweeper.sweep()).toEqual({ temp: 0, attachments: 0, bytes: 0 });
    expect(lines.filter((l) => l.msg === 'orphan files removed')).toHaveLength(1);
    // the young orphan goes once it is older than the grace period
    expect(await sweeper.sweep(Date.now() + HOUR)).toMatchObject({ attachments: 1 });
    expect(filesOnDisk()).not.toContain(youngOrphan);
    expect(sweeper.stats()).toMatchObject({ runs: 3, removedAttachments: 2 });
  });

  it('checks rows in batches: many orphans among many referenced files', async () => {
    const before = filesOnDisk();
    const orphans = Array.from({ length: 1200 }, () => place(`attachments/${hex()}`, 2 * HOUR, 1));
    const sweeper = new OrphanSweeper(s.t.ctx.prisma, s.t.ctx.storage, createLogger({ logLevel: 'silent', nodeEnv: 'test' }, 'test'), { intervalSeconds: 3600, graceSeconds: 3600 });
    expect(await sweeper.sweep()).toMatchObject({ attachments: orphans.length });
    expect(filesOnDisk()).toEqual(before);
  });
});
