// Thumbnails of image attachments, made by the real ai-worker process from jobs the api queues: a WebP of at
// most 320 px for PNG and JPEG, never for text or an SVG (sniffed from the bytes, whatever the client claimed),
// absent until ready, served through a signed URL, made once even when the job runs again (redelivery after a
// crash), and deleted with its post.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import sharp from 'sharp';
import request from 'supertest';
import { API, expectProblem } from '../helpers/auth.js';
import { processTimeoutMs } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { killWorkerProcesses, startWorkerProcess, waitForWorkerStart, type WorkerProcess } from '../ai/helpers.js';
import { actor, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';

jest.setTimeout(3 * processTimeoutMs);

interface FileOut {
  id: string;
  originalName: string;
  mimeType: string;
  url: string;
  thumbnailUrl?: string;
}
interface PostOut {
  id: number;
  boardId: number;
  files: FileOut[];
}

const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="red"/></svg>');

let s: Suite;
let worker: WorkerProcess;
let admin: Actor;
let alice: Actor;
let boardId: number;
let png: Buffer;
let jpeg: Buffer;

function upload(files: { buf: Buffer; name: string; type: string }[]) {
  const r = request(s.app).post(`${API}/boards/${boardId}/posts`).set('Authorization', `Bearer ${alice.token}`).field('name', 'pictures').field('content', 'see');
  for (const f of files) void r.attach('files', f.buf, { filename: f.name, contentType: f.type });
  return r;
}

const readPost = async (post: PostOut) => (await call(s.app, alice, 'get', `/boards/${post.boardId}/posts/${post.id}`)).body as PostOut;
const fileRow = (id: string) => s.t.ctx.prisma.postFile.findUniqueOrThrow({ where: { id: Number(id.slice(1)) } });
const onDisk = (key: string) => fs.existsSync(path.join(s.t.ctx.config.uploadsDir, key));

beforeAll(async () => {
  s = await startSuite();
  admin = await actor(s.t, s.app, 'admin');
  alice = await actor(s.t, s.app);
  boardId = (await createBoard(s.app, admin)).id;
  png = await sharp({ create: { width: 800, height: 500, channels: 4, background: '#3060c0' } })
    .png()
    .toBuffer();
  jpeg = await sharp({ create: { width: 300, height: 1200, channels: 3, background: '#30c060' } })
    .jpeg()
    .toBuffer();
  worker = startWorkerProcess({ t: s.t });
  await waitForWorkerStart(worker);
});

afterAll(async () => {
  await killWorkerProcesses();
  await s?.t.cleanup();
});

describe('thumbnails', () => {
  let post: PostOut;

  test('PNG and JPEG get a WebP thumbnail (longest side 320) from the worker; text and an SVG never do', async () => {
    const res = await upload([
      { buf: png, name: 'wide.png', type: 'image/png' },
      { buf: jpeg, name: 'tall.jpg', type: 'image/jpeg' },
      { buf: Buffer.from('just words\n'), name: 'notes.txt', type: 'text/plain' },
      // an SVG claiming to be a PNG: sniffed as text, no thumbnail
      { buf: SVG, name: 'drawing.png', type: 'image/png' },
    ]);
    expect(res.status).toBe(201);
    post = res.body as PostOut;
    expect(post.files.map((f) => f.mimeType)).toEqual(['image/png', 'image/jpeg', 'text/plain', 'text/plain']);
    // absent until ready
    for (const f of post.files) expect(f).not.toHaveProperty('thumbnailUrl');

    const ready = await waitFor('the thumbnails', async () => {
      const now = await readPost(post);
      return now.files[0].thumbnailUrl && now.files[1].thumbnailUrl ? now : null;
    });
    expect(ready.files[2]).not.toHaveProperty('thumbnailUrl');
    expect(ready.files[3]).not.toHaveProperty('thumbnailUrl');
    expect((await fileRow(ready.files[2].id)).thumbnailKey).toBeNull();
    expect((await fileRow(ready.files[3].id)).thumbnailKey).toBeNull();

    for (const [f, size] of [
      [ready.files[0], { width: 320, height: 200 }],
      [ready.files[1], { width: 80, height: 320 }],
    ] as const) {
      expect(f.thumbnailUrl).toMatch(new RegExp(`^/api/v1/files/${f.id}/thumbnail\\?exp=\\d+&u=${alice.id}&sig=[\\w-]{43}$`));
      const thumb = await request(s.app).get(f.thumbnailUrl!).buffer(true);
      expect(thumb.status).toBe(200);
      expect(thumb.headers['content-type']).toBe('image/webp');
      const meta = await sharp(thumb.body as Buffer).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'webp', ...size });
      // the signature of the file is not the thumbnail's, and a changed one is refused
      const asFile = f.thumbnailUrl!.replace('/thumbnail?', '/signed?');
      expectProblem(await request(s.app).get(asFile), 403, 'file_url_invalid');
    }
  });

  test('an image attached to a comment gets its thumbnail too', async () => {
    const res = await request(s.app)
      .post(`${API}/posts/${post.id}/comments`)
      .set('Authorization', `Bearer ${alice.token}`)
      .field('content', 'another one')
      .attach('files', jpeg, { filename: 'reply.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(201);
    const commentId = (res.body as { id: number }).id;
    expect((res.body as { files: FileOut[] }).files[0]).not.toHaveProperty('thumbnailUrl');
    const file = await waitFor('the comment thumbnail', async () => {
      const now = (await call(s.app, alice, 'get', `/comments/${commentId}`)).body as { files: FileOut[] };
      return now.files[0]?.thumbnailUrl ? now.files[0] : null;
    });
    const thumb = await request(s.app).get(file.thumbnailUrl!).buffer(true);
    expect(thumb.status).toBe(200);
    expect((await sharp(thumb.body as Buffer).metadata()).height).toBe(320);
  });

  test('the job runs once in effect: repeated, concurrent, or again after a crash between storing and recording', async () => {
    const f = (await readPost(post)).files[0];
    const row = await fileRow(f.id);
    expect(row.thumbnailKey).toBe(`thumbnails/${f.id}.webp`);
    const { thumbnails } = s.t.ctx.services;
    // a repeated delivery of a finished job
    expect(await thumbnails.produce(f.id)).toBe('exists');

    // a run that stored the thumbnail and died before recording it: the next runs (two at once) finish it
    await s.t.ctx.prisma.postFile.update({ where: { id: row.id }, data: { thumbnailKey: null } });
    const outcomes = await Promise.all([thumbnails.produce(f.id), thumbnails.produce(f.id)]);
    expect(outcomes.every((o) => o === 'made' || o === 'exists')).toBe(true);
    expect((await fileRow(f.id)).thumbnailKey).toBe(`thumbnails/${f.id}.webp`);
    expect(fs.readdirSync(path.join(s.t.ctx.config.uploadsDir, 'thumbnails')).filter((n) => n.startsWith(`${f.id}.`))).toEqual([`${f.id}.webp`]);

    // the same job queued again through the worker process: nothing changes
    await s.t.ctx.services.thumbnails.request('p', [{ id: row.id, mimeType: 'image/png' }]);
    expect((await fileRow(f.id)).thumbnailKey).toBe(`thumbnails/${f.id}.webp`);
  });

  test('the bytes decide, not the row: a file recorded as an image whose bytes are an SVG gets none', async () => {
    const res = await upload([{ buf: SVG, name: 'drawing.svg', type: 'image/svg+xml' }]);
    expect(res.status).toBe(201);
    const id = (res.body as PostOut).files[0].id;
    await s.t.ctx.prisma.postFile.update({ where: { id: Number(id.slice(1)) }, data: { mimeType: 'image/png' } });
    expect(await s.t.ctx.services.thumbnails.produce(id)).toBe('not_an_image');
    expect((await fileRow(id)).thumbnailKey).toBeNull();
    expect(onDisk(`thumbnails/${id}.webp`)).toBe(false);
  });

  test('deleting the post deletes the thumbnails too', async () => {
    const keys = (await s.t.ctx.prisma.postFile.findMany({ where: { postId: post.id } })).flatMap((r) => (r.thumbnailKey ? [r.thumbnailKey] : []));
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(onDisk(k)).toBe(true);
    expect((await call(s.app, alice, 'delete', `/boards/${post.boardId}/posts/${post.id}`)).status).toBe(204);
    for (const k of keys) expect(onDisk(k)).toBe(false);
  });
});
