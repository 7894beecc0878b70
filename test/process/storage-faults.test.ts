// A full and a read-only uploads folder under the real api process: uploads answer 507 insufficient_storage
// with nothing half-written (no row, no file, no temp file), /readyz fails naming storage, and both recover
// as soon as the disk does. The full disk is a tiny tmpfs, which needs root; without it a read-only folder is
// made with chmod (test/files/storage-errors.test.ts covers ENOSPC with a mocked write).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { actor, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';
import { recordTiming, startApiProcess, type ApiProcess } from '../helpers/api-process.js';
import { tmpRoot, uniqueName } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

/** Whether this machine lets the tests mount a tmpfs (root in a privileged container or VM). */
function canMountTmpfs(): boolean {
  const dir = path.join(tmpRoot, uniqueName('mountprobe'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mountable = canMountTmpfs();
const isRoot = process.getuid?.() === 0;

/** Every file under `root`, relative. */
const filesUnder = (root: string) => (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();

/** Writes `file` until the disk is full (or `bytes` are written). */
function fill(file: string, bytes = Infinity): void {
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(16 * 1024, 120);
  try {
    for (let written = 0; written < bytes;) written += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

const textFile = (n: number, mark: string) => Buffer.from(`${mark} `.repeat(Math.ceil(n / (mark.length + 1)))).subarray(0, n);

describe('uploads on a full or read-only disk (real api process)', () => {
  let s: Suite;
  let member: Actor;
  let boardId: number;
  let api: ApiProcess;
  let uploads: string;

  const upload = (files: Buffer[]) => {
    const form = new FormData();
    form.set('name', 'with files');
    form.set('content', 'attached');
    files.forEach((f, i) => form.append('files', new Blob([f], { type: 'text/plain' }), `f${i}.txt`));
    return fetch(`${api.url}/api/v1/boards/${boardId}/posts`, { method: 'POST', headers: { Authorization: `Bearer ${member.token}` }, body: form });
  };
  const ready = async () => {
    const r = await fetch(`${api.url}/readyz`);
    return { status: r.status, body: (await r.json()) as { checks: Record<string, string>; detail?: string; code?: string } };
  };
  const state = async () => ({ posts: await s.t.ctx.prisma.post.count(), rows: await s.t.ctx.prisma.postFile.count() });
  /** The refusal of an upload: 507 problem+json naming the cause, and nothing written. */
  const expectRefused = async (res: Response, before: { posts: number; rows: number }, detail: RegExp) => {
    expect(res.status).toBe(507);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; status: number; detail: string };
    expect(body).toMatchObject({ status: 507, code: 'insufficient_storage', type: 'urn:agora:problem:insufficient_storage' });
    expect(body.detail).toMatch(detail);
    expect(await state()).toEqual(before);
    expect(filesUnder(uploads).filter((f) => f !== 'filler' && f !== 'filler2')).toEqual([]);
  };

  beforeAll(async () => {
    s = await startSuite();
    const admin = await actor(s.t, s.app, 'admin');
    member = await actor(s.t, s.app);
    boardId = (await createBoard(s.app, admin)).id;
    uploads = s.t.env.UPLOADS_DIR;
    fs.mkdirSync(uploads, { recursive: true });
  });

  afterAll(async () => {
    api?.child.kill('SIGKILL');
    if (mountable) {
      try {
        execFileSync('umount', [uploads], { stdio: 'ignore' });
      } catch {
        // not mounted (the test was skipped)
      }
    }
    if (fs.existsSync(uploads)) fs.chmodSync(uploads, 0o755);
    await s.t.cleanup();
  });

  (mountable ? it : it.skip)(
    'full disk: 507 with nothing half-written, /readyz names storage, both recover once space is freed',
    async () => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', uploads]);
      api = await startApiProcess(s.t.env);
      // (the first request after start may find the event loop busy with start-up work)
      await waitFor('readiness after start', async () => (await ready()).status === 200, 30_000, 100);

      // room for the first file of the request but not the second: the first is removed again
      fill(path.join(uploads, 'filler'), 1_700_000);
      let before = await state();
      await expectRefused(await upload([textFile(100_000, 'first'), textFile(600_000, 'second')]), before, /no room left/);
      // the operator's cue, with the cause (the log is written asynchronously)
      await waitFor('the log line of the refusal', () => api.output().includes('upload refused: storage is full (ENOSPC)'), 30_000, 50);

      // completely full: readiness fails naming storage, and every upload is refused
      fill(path.join(uploads, 'filler2'));
      const r = await ready();
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('not_ready');
      expect(r.body.detail).toBe('Not ready: storage.');
      expect(r.body.checks).toEqual({ database: 'ok', redis: 'ok', storage: 'error: storage is full (ENOSPC)' });
      before = await state();
      await expectRefused(await upload([textFile(10_000, 'small')]), before, /no room left/);

      // space freed: ready again and uploads work, with no restart
      fs.rmSync(path.join(uploads, 'filler'));
      fs.rmSync(path.join(uploads, 'filler2'));
      const freedAt = Date.now();
      await waitFor('readiness after space was freed', async () => (await ready()).status === 200, 30_000, 50);
      const recoveredMs = Date.now() - freedAt;
      const ok = await upload([textFile(100_000, 'after')]);
      expect(ok.status).toBe(201);
      recordTiming('disk-full', { recoveredMs });
    },
    120_000,
  );

  (mountable || !isRoot ? it : it.skip)(
    'read-only disk: 507 with nothing written, /readyz names storage, both recover once it is writable',
    async () => {
      // a read-only remount where mounting works (root ignores file modes), file modes otherwise
      if (mountable) {
        try {
          execFileSync('umount', [uploads], { stdio: 'ignore' });
        } catch {
          // not mounted yet
        }
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', uploads]);
      }
      fs.mkdirSync(path.join(uploads, '.tmp'), { recursive: true });
      fs.mkdirSync(path.join(uploads, 'attachments'), { recursive: true });
      const setWritable = (writable: boolean) => {
        if (mountable) execFileSync('mount', ['-o', `remount,${writable ? 'rw' : 'ro'}`, uploads]);
        else for (const d of ['', '.tmp', 'attachments']) fs.chmodSync(path.join(uploads, d), writable ? 0o755 : 0o555);
      };
      api?.child.kill('SIGKILL');
      api = await startApiProcess(s.t.env);

      setWritable(false);
      const r = await ready();
      expect(r.status).toBe(503);
      expect(r.body.checks.storage).toMatch(/^error: storage is not writable \((EROFS|EACCES)\)$/);
      const before = await state();
      await expectRefused(await upload([textFile(10_000, 'ro')]), before, /cannot store files/);

      setWritable(true);
      const fixedAt = Date.now();
      await waitFor('readiness once writable', async () => (await ready()).status === 200, 30_000, 50);
      recordTiming('disk-read-only', { recoveredMs: Date.now() - fixedAt });
      expect((await upload([textFile(10_000, 'rw')])).status).toBe(201);
    },
    120_000,
  );
});
