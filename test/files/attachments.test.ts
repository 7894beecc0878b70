// Attachments over the real API: multipart posts and comments stored all-or-nothing (rows and files), limits
// (413), sniffed types (415), downloads behind the post's access rule with RFC 6266/5987 names and ranges,
// and files removed from disk only after the row that owned them is gone.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { API, expectProblem } from '../helpers/auth.js';
import { actor, call, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';
import { createPost } from '../posts/helpers.js';
import { waitFor } from '../helpers/wait.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120, 1)]);
const KOREAN = '한글 문서 (최종).txt';
const MAX_FILE = 20_000;
const MAX_FILES = 3;
const MAX_TOTAL = 50_000;

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const text = (n: number) => Buffer.from('안녕하세요 agora\n'.repeat(Math.ceil(n / 22))).subarray(0, n);

interface FileOut {
  id: string;
  originalName: string;
  size: number;
  mimeType: string;
  url: string;
}

let s: Suite;
let app: Express;
let admin: Actor;
let alice: Actor;
let bob: Actor;
let boardId: number;
let hiddenBoardId: number;

/** Every file under the uploads folder, the temp folder included (relative paths). */
function filesOnDisk(): string[] {
  const root = s.t.ctx.config.uploadsDir;
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();
}

const rowsOf = async () => ({
  postFiles: await s.t.ctx.prisma.postFile.count(),
  commentFiles: await s.t.ctx.prisma.commentFile.count(),
});

/** Nothing of a refused request remains: the same posts, the same file rows, the same files on disk. */
async function expectNothingLeft(before: { posts: number; disk: string[]; rows: Awaited<ReturnType<typeof rowsOf>> }) {
  // the handler has answered; deletion of what it stored has finished before the answer
  expect(await s.t.ctx.prisma.post.count()).toBe(before.posts);
  expect(await rowsOf()).toEqual(before.rows);
  expect(filesOnDisk()).toEqual(before.disk);
}

async function snapshot() {
  return { posts: await s.t.ctx.prisma.post.count(), disk: filesOnDisk(), rows: await rowsOf() };
}

function multipartPost(who: Actor, board: number, fields: Record<string, string>, files: { buf: Buffer; name: string; type?: string; field?: string }[]) {
  const r = request(app).post(`${API}/boards/${board}/posts`).set('Authorization', `Bearer ${who.token}`);
  for (const [k, v] of Object.entries(fields)) void r.field(k, v);
  for (const f of files) void r.attach(f.field ?? 'files', f.buf, { filename: f.name, contentType: f.type ?? 'application/octet-stream' });
  return r;
}

function parseDisposition(header: string): { filename?: string; filenameStar?: string } {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  const plain = /filename="([^"]*)"/i.exec(header);
  return { filename: plain?.[1], filenameStar: star ? decodeURIComponent(star[1]) : undefined };
}

beforeAll(async () => {
  s = await startSuite({ UPLOAD_MAX_FILE_BYTES: String(MAX_FILE), UPLOAD_MAX_FILES: String(MAX_FILES), UPLOAD_MAX_TOTAL_BYTES: String(MAX_TOTAL) });
  app = s.app;
  [admin, alice, bob] = await Promise.all([actor(s.t, app, 'admin'), actor(s.t, app), actor(s.t, app)]);
  boardId = (await createBoard(app, admin)).id;
  hiddenBoardId = (await createBoard(app, admin, { isVisible: false, userIds: [alice.id] })).id;
});

afterAll(async () => {
  await s.t.cleanup();
});

describe('posts with files', () => {
  let post: { id: number; boardId: number; isFileAttached: boolean; files: FileOut[] };
  const textBody = text(1000);

  test('a multipart post stores every file under a random name, records size, sniffed type and sha256', async () => {
    const res = await multipartPost(alice, boardId, { name: 'with files', content: 'see attached' }, [
      // the client claims text/plain; the bytes say PNG
      { buf: PNG, name: 'pixel.png', type: 'text/plain' },
      { buf: textBody, name: KOREAN, type: 'text/plain' },
      { buf: PDF, name: '../../etc/passwd.pdf', type: 'application/pdf' },
    ]);
    expect(res.status).toBe(201);
    post = res.body as typeof post;
    expect(res.headers.location).toBe(`/api/v1/boards/${boardId}/posts/${post.id}`);
    expect(post.isFileAttached).toBe(true);
    expect(post.files.map((f) => [f.originalName, f.size, f.mimeType])).toEqual([
      ['pixel.png', PNG.length, 'image/png'],
      [KOREAN, textBody.length, 'text/plain'],
      ['passwd.pdf', PDF.length, 'application/pdf'],
    ]);
    for (const f of post.files) {
      expect(f.id).toMatch(/^p\d+$/);
      // signed for the author (test/files/signed-urls.test.ts)
      expect(f.url).toMatch(new RegExp(`^/api/v1/files/${f.id}/signed\\?exp=\\d+&u=${alice.id}&sig=[\\w-]{43}$`));
    }
    const rows = await s.t.ctx.prisma.postFile.findMany({ where: { postId: post.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.sha256)).toEqual([sha256(PNG), sha256(textBody), sha256(PDF)]);
    for (const r of rows) {
      // stored under attachments/<32 hex>: nothing of the client's name, not even its extension
      expect(r.path).toMatch(/^attachments\/[0-9a-f]{32}$/);
      expect(r.storedName).toBe(r.path.slice('attachments/'.length));
      expect(fs.readFileSync(path.join(s.t.ctx.config.uploadsDir, r.path))).toHaveLength(r.size);
    }
    // nothing left in the temp folder
    expect(filesOnDisk().filter((f) => f.startsWith('.tmp'))).toEqual([]);
  });

  test('the post detail lists the files; the list marks isFileAttached', async () => {
    const detail = await call(app, bob, 'get', `/boards/${boardId}/posts/${post.id}`);
    expect(detail.status).toBe(200);
    expect((detail.body as typeof post).files.map((f) => f.id)).toEqual(post.files.map((f) => f.id));
    const list = await call(app, bob, 'get', `/boards/${boardId}/posts`);
    expect((list.body as { items: { id: number; isFileAttached: boolean }[] }).items.find((i) => i.id === post.id)?.isFileAttached).toBe(true);
  });

  test('download: bytes, Content-Type, and a Korean name that survives RFC 6266/5987 encoding', async () => {
    const f = post.files[1];
    const res = await request(app)
      .get(`${API}/files/${f.id}`)
      .set('Authorization', `Bearer ${bob.token}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(Buffer.compare(res.body as Buffer, textBody)).toBe(0);
    const disposition = res.headers['content-disposition'];
    expect(disposition).toMatch(/^attachment;/);
    // the header itself is ASCII; the UTF-8 name is percent-encoded in filename*
    expect(/^[\x20-\x7e]*$/.test(disposition)).toBe(true);
    expect(parseDisposition(disposition).filenameStar).toBe(KOREAN);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toBe(`"${sha256(textBody)}"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('download of the PNG has its sniffed type', async () => {
    const res = await request(app).get(`${API}/files/${post.files[0].id}`).set('Authorization', `Bearer ${bob.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(PNG.length));
  });

  test('the OpenAPI document says a download is served as its sniffed type, not as octet-stream', async () => {
    const doc = (await request(app).get('/openapi.json')).body as { paths: Record<string, { get: { responses: Record<string, { description: string; content: Record<string, unknown> }> } }> };
    for (const status of ['200', '206']) {
      const r = doc.paths['/api/v1/files/{fileId}'].get.responses[status];
      expect(Object.keys(r.content)).toEqual(['*/*']);
      expect(r.description).toContain('sniffed');
      for (const type of s.t.ctx.config.uploads.allowedTypes) expect(r.description).toContain(type);
    }
  });

  test('Range: a single range is 206 with exactly those bytes; an impossible one is 416; If-None-Match is 304', async () => {
    const f = post.files[2];
    const part = await request(app)
      .get(`${API}/files/${f.id}`)
      .set('Authorization', `Bearer ${bob.token}`)
      .set('Range', 'bytes=5-12')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 5-12/${PDF.length}`);
    expect((part.body as Buffer).toString()).toBe(PDF.subarray(5, 13).toString());

    const suffix = await request(app).get(`${API}/files/${f.id}`).set('Authorization', `Bearer ${bob.token}`).set('Range', 'bytes=-6');
    expect(suffix.status).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${PDF.length - 6}-${PDF.length - 1}/${PDF.length}`);

    const bad = await request(app)
      .get(`${API}/files/${f.id}`)
      .set('Authorization', `Bearer ${bob.token}`)
      .set('Range', `bytes=${PDF.length + 10}-`);
    expectProblem(bad, 416, 'range_not_satisfiable');
    expect(bad.headers['content-range']).toBe(`bytes */${PDF.length}`);
    expect(bad.headers['content-disposition']).toBeUndefined();

    // If-Range with another validator: the whole file
    const stale = await request(app).get(`${API}/files/${f.id}`).set('Authorization', `Bearer ${bob.token}`).set('Range', 'bytes=0-3').set('If-Range', '"other"');
    expect(stale.status).toBe(200);

    const cached = await request(app)
      .get(`${API}/files/${f.id}`)
      .set('Authorization', `Bearer ${bob.token}`)
      .set('If-None-Match', `"${sha256(PDF)}"`);
    expect(cached.status).toBe(304);
  });

  test('unknown, malformed and anonymous downloads are refused', async () => {
    expectProblem(await call(app, bob, 'get', '/files/p999999'), 404, 'file_not_found');
    expectProblem(await call(app, bob, 'get', '/files/c999999'), 404, 'file_not_found');
    expectProblem(await call(app, bob, 'get', '/files/x1'), 400, 'validation_failed');
    expectProblem(await call(app, bob, 'get', '/files/p0'), 400, 'validation_failed');
    expectProblem(await call(app, null, 'get', `/files/${post.files[0].id}`), 401, 'unauthorized');
  });

  test("a file of a hidden board is not served to a member without a grant (no hint of the board's name)", async () => {
    const res = await multipartPost(alice, hiddenBoardId, { name: 'secret', content: 'x' }, [{ buf: PNG, name: 'secret.png' }]);
    expect(res.status).toBe(201);
    const fileId = (res.body as typeof post).files[0].id;
    const denied = await call(app, bob, 'get', `/files/${fileId}`);
    expectProblem(denied, 404, 'file_not_found');
    const board = await s.t.ctx.prisma.board.findUniqueOrThrow({ where: { id: hiddenBoardId } });
    expect(JSON.stringify(denied.body)).not.toContain(board.name);
    expect((await call(app, alice, 'get', `/files/${fileId}`)).status).toBe(200);
    expect((await call(app, admin, 'get', `/files/${fileId}`)).status).toBe(200);
  });

  test('a file of a hidden post is served to staff only', async () => {
    const res = await multipartPost(alice, boardId, { name: 'to hide', content: 'x' }, [{ buf: PNG, name: 'a.png' }]);
    const created = res.body as typeof post;
    expect((await call(app, admin, 'patch', `/boards/${boardId}/posts/${created.id}`, { isVisible: false })).status).toBe(200);
    expectProblem(await call(app, bob, 'get', `/files/${created.files[0].id}`), 404, 'file_not_found');
    expect((await call(app, admin, 'get', `/files/${created.files[0].id}`)).status).toBe(200);
  });

  test('JSON posts still work and carry no files; a body neither JSON nor multipart is 415', async () => {
    const plain = await createPost(app, alice, boardId);
    expect(plain.isFileAttached).toBe(false);
    expect(plain.files).toEqual([]);
    const res = await request(app).post(`${API}/boards/${boardId}/posts`).set('Authorization', `Bearer ${alice.token}`).set('Content-Type', 'text/plain').send('name=x');
    expectProblem(res, 415, 'unsupported_media_type');
  });
});

describe('refused uploads leave no row and no file', () => {
  test('a file over the per-file limit → 413 file_too_large (the files before it are deleted too)', async () => {
    const before = await snapshot();
    const res = await multipartPost(alice, boardId, { name: 'big', content: 'x' }, [
      { buf: PNG, name: 'ok.png' },
      { buf: text(MAX_FILE + 1), name: 'big.txt' },
    ]);
    expectProblem(res, 413, 'file_too_large');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'files[1]', code: 'file_too_large' })]);
    await expectNothingLeft(before);
  });

  test('more files than allowed → 413 too_many_files', async () => {
    const before = await snapshot();
    const res = await multipartPost(
      alice,
      boardId,
      { name: 'many', content: 'x' },
      Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ buf: PNG, name: `p${i}.png` })),
    );
    expectProblem(res, 413, 'too_many_files');
    await expectNothingLeft(before);
  });

  test('files within the per-file limit but over the total → 413 upload_too_large', async () => {
    const before = await snapshot();
    const res = await multipartPost(alice, boardId, { name: 'total', content: 'x' }, [
      { buf: text(MAX_FILE - 10), name: 'a.txt' },
      { buf: text(MAX_FILE - 10), name: 'b.txt' },
      { buf: text(MAX_FILE - 10), name: 'c.txt' },
    ]);
    expectProblem(res, 413, 'upload_too_large');
    await expectNothingLeft(before);
  });

  test('a declared Content-Length far over the total is refused before reading', async () => {
    const before = await snapshot();
    const res = await request(app)
      .post(`${API}/boards/${boardId}/posts`)
      .set('Authorization', `Bearer ${alice.token}`)
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .set('Content-Length', String(MAX_TOTAL + 10_000_000))
      .send(Buffer.alloc(10));
    expectProblem(res, 413, 'upload_too_large');
    await expectNothingLeft(before);
  });

  test('a disallowed type as the 3rd file → 415 naming it; the two stored before it are deleted', async () => {
    const before = await snapshot();
    const res = await multipartPost(alice, boardId, { name: 'exe', content: 'x' }, [
      { buf: PNG, name: 'a.png' },
      { buf: PDF, name: 'b.pdf' },
      // named and declared as an image: the bytes decide
      { buf: ELF, name: 'c.png', type: 'image/png' },
    ]);
    expectProblem(res, 415, 'file_type_not_allowed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'files[2]', code: 'file_type_not_allowed' })]);
    await expectNothingLeft(before);
  });

  test('unknown binary → 415; an empty file → 400', async () => {
    const before = await snapshot();
    expectProblem(await multipartPost(alice, boardId, { name: 'bin', content: 'x' }, [{ buf: crypto.randomBytes(3000), name: 'r.bin' }]), 415, 'file_type_not_allowed');
    expectProblem(await multipartPost(alice, boardId, { name: 'empty', content: 'x' }, [{ buf: Buffer.alloc(0), name: 'e.txt' }]), 400, 'empty_file');
    await expectNothingLeft(before);
  });

  test('invalid fields after valid files → 400 naming the field; the files are deleted', async () => {
    const before = await snapshot();
    const res = await multipartPost(alice, boardId, { content: 'no name' }, [{ buf: PNG, name: 'a.png' }]);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name', in: 'body' })]);
    await expectNothingLeft(before);
  });

  test('a file in another field → 400 unexpected_file', async () => {
    const before = await snapshot();
    const res = await multipartPost(alice, boardId, { name: 'n', content: 'x' }, [
      { buf: PNG, name: 'a.png' },
      { buf: PNG, name: 'b.png', field: 'avatar' },
    ]);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'avatar', code: 'unexpected_file' })]);
    await expectNothingLeft(before);
  });

  test('a member who may not write to the board stores nothing', async () => {
    const before = await snapshot();
    expectProblem(await multipartPost(bob, hiddenBoardId, { name: 'n', content: 'x' }, [{ buf: PNG, name: 'a.png' }]), 404, 'board_not_found');
    await expectNothingLeft(before);
  });

  test('storage failing on the 2nd file (disk error) → 500, no row, and the 1st file is deleted', async () => {
    const before = await snapshot();
    const storage = s.t.ctx.storage;
    const put = storage.put.bind(storage);
    let calls = 0;
    storage.put = async (key, data, opts) => {
      if (++calls === 2) {
        (data as NodeJS.ReadableStream).resume();
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      return put(key, data, opts);
    };
    try {
      const res = await multipartPost(alice, boardId, { name: 'disk', content: 'x' }, [
        { buf: PNG, name: 'a.png' },
        { buf: PDF, name: 'b.pdf' },
        { buf: PNG, name: 'c.png' },
      ]);
      expectProblem(res, 500, 'internal_error');
      expect(JSON.stringify(res.body)).not.toContain('ENOSPC');
    } finally {
      storage.put = put;
    }
    await expectNothingLeft(before);
  });
});

describe('interrupted uploads (raw sockets)', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const boundary = 'agoraBoundary7d2';
  const partHead = (name: string, filename?: string, type = 'application/octet-stream') =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n${filename ? `Content-Type: ${type}\r\n` : ''}\r\n`;

  function open(p: string, who: Actor) {
    return http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `${API}${p}`,
      headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
    });
  }

  test('a client that disconnects mid-file leaves no row and no file (temp file included)', async () => {
    const before = await snapshot();
    const req = open(`/boards/${boardId}/posts`, alice);
    req.on('error', () => undefined);
    req.write(partHead('name') + 'cut\r\n' + partHead('content') + 'x\r\n' + partHead('files', 'a.png') + PNG.toString('latin1'), 'latin1');
    req.write(partHead('files', 'b.txt').replace(/^/, '\r\n') + text(8000).toString('latin1'), 'latin1');
    // let the server store the first file and start the second
    await waitFor('the first file on disk', () => filesOnDisk().length > before.disk.length);
    req.destroy();
    await waitFor('the files to be removed', () => filesOnDisk().length === before.disk.length);
    await expectNothingLeft(before);
  });

  test('a comment whose post is deleted while its files upload → 404, no comment, no file', async () => {
    const target = await createPost(app, alice, boardId);
    const before = await snapshot();
    const req = open(`/posts/${target.id}/comments`, alice);
    const response = new Promise<{ status: number; body: { code?: string } }>((resolve, reject) => {
      req.on('response', (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) as { code?: string } }));
      });
      req.on('error', reject);
    });
    req.write(partHead('content') + 'late comment\r\n' + partHead('files', 'a.png') + PNG.toString('latin1'), 'latin1');
    // the premise: the file is being stored (its temp file exists) when the post goes away, the upload still open
    await waitFor('the upload to reach the disk', () => filesOnDisk().length > before.disk.length);
    expect((await call(app, alice, 'delete', `/boards/${boardId}/posts/${target.id}`)).status).toBe(204);
    req.end(`\r\n--${boundary}--\r\n`);
    const res = await response;
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('post_not_found');
    expect(await s.t.ctx.prisma.comment.count({ where: { postId: target.id } })).toBe(0);
    expect(await rowsOf()).toEqual(before.rows);
    expect(filesOnDisk()).toEqual(before.disk);
  });
});

describe('comments with files, and deletion', () => {
  test('comment files: stored, listed, downloadable; a hidden comment hides its files', async () => {
    const target = await createPost(app, alice, boardId);
    const res = await request(app)
      .post(`${API}/posts/${target.id}/comments`)
      .set('Authorization', `Bearer ${bob.token}`)
      .field('content', 'a comment with a file')
      .attach('files', PNG, { filename: '그림.png', contentType: 'image/png' });
    expect(res.status).toBe(201);
    const comment = res.body as { id: number; isFileAttached: boolean; files: FileOut[] };
    expect(comment.isFileAttached).toBe(true);
    expect(comment.files).toEqual([expect.objectContaining({ id: expect.stringMatching(/^c\d+$/), originalName: '그림.png', mimeType: 'image/png', size: PNG.length })]);
    const listed = await call(app, alice, 'get', `/posts/${target.id}/comments`);
    expect((listed.body as { items: { files: FileOut[] }[] }).items[0].files[0].id).toBe(comment.files[0].id);
    const dl = await call(app, alice, 'get', `/files/${comment.files[0].id}`);
    expect(dl.status).toBe(200);
    expect(parseDisposition(dl.headers['content-disposition']).filenameStar).toBe('그림.png');

    expect((await call(app, admin, 'patch', `/comments/${comment.id}`, { isVisible: false })).status).toBe(200);
    expectProblem(await call(app, alice, 'get', `/files/${comment.files[0].id}`), 404, 'file_not_found');
    expect((await call(app, admin, 'get', `/files/${comment.files[0].id}`)).status).toBe(200);
  });

  test("deleting a comment deletes its files; deleting a post deletes its own and its comments' files", async () => {
    const created = await multipartPost(alice, boardId, { name: 'to delete', content: 'x' }, [
      { buf: PNG, name: 'a.png' },
      { buf: PDF, name: 'b.pdf' },
    ]);
    const post = created.body as { id: number; files: FileOut[] };
    const comment = async (who: Actor) => {
      const r = await request(app).post(`${API}/posts/${post.id}/comments`).set('Authorization', `Bearer ${who.token}`).field('content', 'c').attach('files', PNG, { filename: 'c.png' });
      expect(r.status).toBe(201);
      return r.body as { id: number; files: FileOut[] };
    };
    const [c1, c2] = [await comment(bob), await comment(alice)];
    const keyOf = async (id: string) =>
      id.startsWith('p')
        ? (await s.t.ctx.prisma.postFile.findUniqueOrThrow({ where: { id: Number(id.slice(1)) } })).path
        : (await s.t.ctx.prisma.commentFile.findUniqueOrThrow({ where: { id: Number(id.slice(1)) } })).path;
    const onDisk = (key: string) => fs.existsSync(path.join(s.t.ctx.config.uploadsDir, key));

    const c1Key = await keyOf(c1.files[0].id);
    expect(onDisk(c1Key)).toBe(true);
    expect((await call(app, bob, 'delete', `/comments/${c1.id}`)).status).toBe(204);
    expect(onDisk(c1Key)).toBe(false);
    expect(await s.t.ctx.prisma.commentFile.count({ where: { commentId: c1.id } })).toBe(0);

    const keys = [...(await Promise.all(post.files.map((f) => keyOf(f.id)))), await keyOf(c2.files[0].id)];
    expect(keys.every(onDisk)).toBe(true);
    // another member may not delete it, and nothing is deleted then
    expectProblem(await call(app, bob, 'delete', `/boards/${boardId}/posts/${post.id}`), 403, 'not_author');
    expect(keys.every(onDisk)).toBe(true);
    expect((await call(app, alice, 'delete', `/boards/${boardId}/posts/${post.id}`)).status).toBe(204);
    expect(keys.filter(onDisk)).toEqual([]);
    expect(await s.t.ctx.prisma.postFile.count({ where: { postId: post.id } })).toBe(0);
    expectProblem(await call(app, alice, 'get', `/files/${post.files[0].id}`), 404, 'file_not_found');
  });

  test('deleting a board deletes the files of its posts and comments', async () => {
    const board = await createBoard(app, admin);
    const created = await multipartPost(alice, board.id, { name: 'p', content: 'x' }, [{ buf: PNG, name: 'a.png' }]);
    expect(created.status).toBe(201);
    const row = await s.t.ctx.prisma.postFile.findFirstOrThrow({ where: { postId: (created.body as { id: number }).id } });
    expect(fs.existsSync(path.join(s.t.ctx.config.uploadsDir, row.path))).toBe(true);
    expect((await call(app, admin, 'delete', `/boards/${board.id}`)).status).toBe(204);
    expect(fs.existsSync(path.join(s.t.ctx.config.uploadsDir, row.path))).toBe(false);
  });
});
