// Request bodies of the admin panel over HTTP against a real api process (whose OS temp folder is private to
// this suite): a visitor without a session gets the login redirect and nothing they send reaches the disk
// (neither the OS temp folder nor Agora's folders); a signed-in operator's files land in Agora's folder only
// for the request's duration, whatever the outcome (answered, refused over a limit, or the client gone).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { projectRoot } from '../../src/platform/paths.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { tmpRoot, uniqueName } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { adminAgent, person, useBundle, type Person } from './setup.js';

const MiB = 1024 * 1024;
const blob = (n: number) => Buffer.alloc(n, 0x61);

/**
 * A multipart POST of one file as a plain client sends it. The server may answer before it has read the body
 * (and then close the connection): the answer counts, a write error after it does not.
 */
function postFile(url: string, size: number, fields: Record<string, string> = {}, cookie?: string): Promise<{ status: number; location?: string }> {
  const boundary = `agora${Date.now()}`;
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  const body = Buffer.concat([
    Buffer.from(`${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="1MB.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    blob(size),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length), ...(cookie ? { cookie } : {}) } });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    req.end(body);
  });
}

/** Every file under `dir` (relative paths), or none when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.isFile()).sort();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe('admin panel request bodies', () => {
  // the OS temp folder of the api process (TMPDIR), private to the suite so that other processes' files do not count
  const osTmp = path.join(tmpRoot, uniqueName('ostmp'));
  let s: { t: TestContext; origin: string };
  let child: ChildProcess | undefined;
  let output = '';
  let admin: Person;
  let staff: Awaited<ReturnType<typeof adminAgent>>['agent'];
  let adminTmp: string;
  // (tsx, which runs the api process, keeps its compile cache in the temp folder: that is not an upload)
  const osFiles = () => filesUnder(osTmp).filter((f) => !f.startsWith('tsx-'));
  const everywhere = () => ({ os: osFiles(), uploads: filesUnder(s.t.ctx.config.uploadsDir), data: filesUnder(s.t.ctx.config.dataDir) });

  beforeAll(async () => {
    fs.mkdirSync(osTmp, { recursive: true });
    const bundle = useBundle();
    const t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000' });
    const port = await freePort();
    s = { t, origin: `http://127.0.0.1:${port}` };
    // what a process that stopped mid-upload left behind two hours ago
    const leftover = path.join(t.ctx.config.uploadsDir, '.tmp', 'admin', 'leftover');
    fs.mkdirSync(path.dirname(leftover), { recursive: true });
    fs.writeFileSync(leftover, 'x');
    fs.utimesSync(leftover, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    const env = { PATH: process.env.PATH ?? '', ...t.env, PORT: String(port), HOST: '127.0.0.1', TMPDIR: osTmp, ADMIN_JS_TMP_DIR: bundle };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // the first request loads the panel
    await waitFor(
      `the api on port ${port}\n${output}`,
      () =>
        request(s.origin)
          .get('/admin/login')
          .then(
            (r) => r.status === 200,
            () => false,
          ),
      90_000,
      200,
    );
    adminTmp = path.join(s.t.ctx.config.uploadsDir, '.tmp', 'admin');
    admin = await person(s.t, 'admin');
    staff = (await adminAgent(s.origin, admin)).agent;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await s?.t.cleanup();
    fs.rmSync(osTmp, { recursive: true, force: true });
  });

  it('removes at start what a stopped process left in Agora’s admin upload folder', () => {
    expect(filesUnder(adminTmp)).toEqual([]);
  });

  describe('without a session', () => {
    it.each(['/admin/api/resources/User/actions/list', '/admin', '/admin/resources/User/actions/new', '/admin/api/resources/User/records/1/edit'])(
      'a multipart POST of 1 MiB to %s gets the login redirect and writes nothing anywhere',
      async (url) => {
        const before = everywhere();
        expect(await postFile(`${s.origin}${url}`, MiB)).toEqual({ status: 302, location: '/admin/login' });
        expect(everywhere()).toEqual(before);
      },
    );

    it('the sign-in form reads its fields but stores no file part', async () => {
      const before = everywhere();
      const res = await request(s.origin).post('/admin/login').field('email', admin.name).field('password', admin.password).attach('f', blob(MiB), '1MB.bin');
      expect({ status: res.status, location: res.headers.location }).toEqual({ status: 302, location: '/admin' });
      const refused = await request(s.origin).post('/admin/login').field('email', admin.name).field('password', 'Wrong!Passw0rd').attach('f', blob(MiB), 'x.bin');
      expect(refused.status).toBe(401);
      expect(everywhere()).toEqual(before);
    });

    it('an oversized sign-in body is refused (413) before it is read', async () => {
      const res = await request(s.origin)
        .post('/admin/login')
        .type('form')
        .send({ email: 'x'.repeat(64 * 1024), password: 'y' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 413, code: 'payload_too_large' });
    });

    it('a compressed body is refused (415) on the panel too', async () => {
      const res = await request(s.origin).post('/admin/login').set('Content-Type', 'application/x-www-form-urlencoded').set('Content-Encoding', 'gzip').send('email=a&password=b');
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 415, code: 'unsupported_content_encoding' });
    });
  });

  describe('signed in', () => {
    /**
     * The names of the files created in Agora's admin folder while `during` runs (at least one: the watcher's
     * events arrive on their own schedule, possibly after `during` has returned, so this waits for the first).
     */
    async function created(during: () => Promise<void>): Promise<string[]> {
      fs.mkdirSync(adminTmp, { recursive: true });
      const names = new Set<string>();
      const watcher = fs.watch(adminTmp, (_event, name) => name && names.add(name));
      try {
        await during();
        await waitFor('the watcher to report a file in the admin upload folder', () => names.size > 0);
      } finally {
        watcher.close();
      }
      return [...names];
    }

    it('a form with a file works, the file lands in Agora’s folder and is gone after the response', async () => {
      const victim = await person(s.t);
      const before = { os: osFiles(), data: filesUnder(s.t.ctx.config.dataDir) };
      let res!: request.Response;
      const names = await created(async () => {
        res = await staff.post(`/admin/api/resources/User/records/${victim.id}/ban`).field('reason', 'spam with attachment').attach('evidence', blob(MiB), 'evidence.bin');
      });
      expect(res.status).toBe(200);
      expect(res.body.notice).toMatchObject({ type: 'success' });
      expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } })).banReason).toBe('spam with attachment');
      expect(names.length).toBeGreaterThanOrEqual(1);
      await waitFor('the admin upload folder to be empty', () => filesUnder(adminTmp).length === 0);
      expect({ os: osFiles(), data: filesUnder(s.t.ctx.config.dataDir) }).toEqual(before);
    });

    it('JSON and urlencoded bodies still reach AdminJS', async () => {
      const a = await person(s.t);
      const json = await staff.post(`/admin/api/resources/User/records/${a.id}/ban`).send({ reason: 'json reason' });
      expect(json.body.notice).toMatchObject({ type: 'success' });
      const b = await person(s.t);
      const form = await staff.post(`/admin/api/resources/User/records/${b.id}/ban`).type('form').send({ reason: 'form reason' });
      expect(form.body.notice).toMatchObject({ type: 'success' });
      expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: b.id } })).banReason).toBe('form reason');
    });

    it('files over the limit: 413, nothing changed, nothing left', async () => {
      const victim = await person(s.t);
      const res = await staff
        .post(`/admin/api/resources/User/records/${victim.id}/ban`)
        .field('reason', 'too big')
        .attach('a', blob(3 * MiB), 'a.bin')
        .attach('b', blob(3 * MiB), 'b.bin');
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 413, code: 'upload_too_large' });
      expect((await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: victim.id } })).isBanned).toBe(false);
      await waitFor('the admin upload folder to be empty', () => filesUnder(adminTmp).length === 0);
      expect(osFiles()).toEqual([]);
    });

    it('a client that goes away mid-upload leaves nothing behind', async () => {
      const cookie = ([] as string[])
        .concat((await adminAgent(s.origin, admin)).res.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0])
        .join('; ');
      const boundary = 'agoraboundary';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
      const names = await created(async () => {
        const req = http.request(`${s.origin}/admin/api/resources/User/actions/list`, {
          method: 'POST',
          headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(4 * MiB) },
        });
        req.on('error', () => undefined);
        req.write(head);
        req.write(blob(MiB));
        // the file is being written: then the client disappears
        await waitFor('the upload to reach the disk', () => filesUnder(adminTmp).length > 0);
        req.destroy();
      });
      expect(names.length).toBeGreaterThanOrEqual(1);
      await waitFor('the admin upload folder to be empty', () => filesUnder(adminTmp).length === 0);
      expect(osFiles()).toEqual([]);
    });
  });
});
