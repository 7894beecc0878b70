// The disk refusing a write, through the real API with the errors a full or read-only disk gives (ENOSPC in the
// middle of a file, EROFS when opening one), injected at the filesystem calls of the storage layer: 507
// insufficient_storage, nothing half-written, /readyz naming storage. test/process/storage-faults.test.ts
// does the same with a real full tmpfs where the machine allows mounting one.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { API, expectProblem } from '../helpers/auth.js';
import { actor, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';
import { StorageUnavailableError, writeFailure } from '../../src/platform/storage.js';

const errno = (code: string) => Object.assign(new Error(`${code}: injected, write`), { code });

let s: Suite;
let member: Actor;
let boardId: number;

const filesOnDisk = () => {
  const root = s.t.ctx.config.uploadsDir;
  return fs.existsSync(root) ? (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort() : [];
};
const snapshot = async () => ({ posts: await s.t.ctx.prisma.post.count(), rows: await s.t.ctx.prisma.postFile.count(), disk: filesOnDisk() });
const upload = () =>
  request(s.app)
    .post(`${API}/boards/${boardId}/posts`)
    .set('Authorization', `Bearer ${member.token}`)
    .field('name', 'files')
    .field('content', 'attached')
    // several chunks each, so a write can fail in the middle of a file
    .attach('files', Buffer.from('first file\n'.repeat(30_000)), { filename: 'a.txt', contentType: 'text/plain' })
    .attach('files', Buffer.from('second file\n'.repeat(30_000)), { filename: 'b.txt', contentType: 'text/plain' });

/** Temp files (opened with `wx`) accept their first write, then fail with `code`: a disk that fills up mid-file. */
function diskFillsUp(code: string) {
  const open = fs.promises.open.bind(fs.promises);
  return jest.spyOn(fs.promises, 'open').mockImplementation(async (file, flags, mode) => {
    const handle = await open(file, flags, mode);
    if (flags !== 'wx') return handle;
    const create = handle.createWriteStream.bind(handle);
    handle.createWriteStream = (opts) => {
      const stream = create(opts);
      let writes = 0;
      const write = stream._write.bind(stream);
      stream._write = (chunk, enc, cb) => (writes++ === 0 ? write(chunk, enc, cb) : cb(errno(code)));
      stream._writev = undefined;
      return stream;
    };
    return handle;
  });
}

beforeAll(async () => {
  s = await startSuite();
  const admin = await actor(s.t, s.app, 'admin');
  member = await actor(s.t, s.app);
  boardId = (await createBoard(s.app, admin)).id;
  // the folders exist, as after any earlier upload
  expect((await upload()).status).toBe(201);
});
afterEach(() => {
  jest.restoreAllMocks();
});
afterAll(() => s.t.cleanup());

describe('a disk that refuses writes', () => {
  it.each(['ENOSPC', 'EDQUOT'])('%s in the middle of a file: 507 insufficient_storage, no row, no file, no temp file', async (code) => {
    const before = await snapshot();
    diskFillsUp(code);
    const res = await upload();
    expectProblem(res, 507, 'insufficient_storage');
    expect(res.body.detail).toBe('The server has no room left to store files; try again later.');
    expect(await snapshot()).toEqual(before);
  });

  it.each(['EROFS', 'EACCES'])('%s when opening a file: 507 insufficient_storage, nothing written', async (code) => {
    const before = await snapshot();
    const open = fs.promises.open.bind(fs.promises);
    jest.spyOn(fs.promises, 'open').mockImplementation((file, flags, mode) => (flags === 'wx' ? Promise.reject(errno(code)) : open(file, flags, mode)));
    const res = await upload();
    expectProblem(res, 507, 'insufficient_storage');
    expect(res.body.detail).toBe('The server cannot store files right now; try again later.');
    expect(await snapshot()).toEqual(before);
  });

  it('any other write error stays a 500 internal_error', async () => {
    const before = await snapshot();
    diskFillsUp('EIO');
    expectProblem(await upload(), 500, 'internal_error');
    expect(await snapshot()).toEqual(before);
  });

  it('/readyz fails naming storage while the probe file cannot be written, and recovers', async () => {
    const writeFile = fs.promises.writeFile.bind(fs.promises);
    const spy = jest
      .spyOn(fs.promises, 'writeFile')
      .mockImplementation((file, data, opts) => (typeof file === 'string' && file.includes(`${path.sep}.tmp${path.sep}probe-`) ? Promise.reject(errno('ENOSPC')) : writeFile(file, data, opts)));
    const res = await request(s.app).get('/readyz');
    expectProblem(res, 503, 'not_ready');
    expect(res.body.detail).toBe('Not ready: storage.');
    expect(res.body.checks).toEqual({ database: 'ok', redis: 'ok', storage: 'error: storage is full (ENOSPC)' });
    spy.mockRestore();
    const ok = await request(s.app).get('/readyz');
    expect(ok.status).toBe(200);
    expect(ok.body.checks).toEqual({ database: 'ok', redis: 'ok', storage: 'ok' });
    // the probe leaves nothing behind
    expect(filesOnDisk().filter((f) => f.startsWith('.tmp'))).toEqual([]);
  });

  it('maps the system error codes of a refused write, and leaves others alone', () => {
    expect(writeFailure(errno('ENOSPC'))).toMatchObject({ reason: 'full', errno: 'ENOSPC' });
    expect(writeFailure(errno('EDQUOT'))).toMatchObject({ reason: 'full', errno: 'EDQUOT' });
    for (const code of ['EROFS', 'EACCES', 'EPERM']) expect(writeFailure(errno(code))).toMatchObject({ reason: 'read_only', errno: code });
    expect(writeFailure(errno('ENOSPC'))).toBeInstanceOf(StorageUnavailableError);
    const other = errno('EIO');
    expect(writeFailure(other)).toBe(other);
  });
});
