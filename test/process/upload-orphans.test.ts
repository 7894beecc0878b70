// kill -9 of the real api in the middle of an upload leaves a finished attachment without a row and a partial
// temp file; the restarted api's sweep removes both (once older than the grace period), logs them and counts
// them in /readyz, while the files of committed posts stay and still download.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { actor, createBoard, startSuite, type Actor, type Suite } from '../boards/setup.js';
import { recordTiming, startApiProcess, type ApiProcess } from '../helpers/api-process.js';
import { waitFor } from '../helpers/wait.js';

const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

describe('orphan files after kill -9 mid-upload', () => {
  let s: Suite;
  let member: Actor;
  let boardId: number;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    s = await startSuite();
    const admin = await actor(s.t, s.app, 'admin');
    member = await actor(s.t, s.app);
    boardId = (await createBoard(s.app, admin)).id;
  });
  afterAll(async () => {
    api?.child.kill('SIGKILL');
    await s.t.cleanup();
  });

  it('the restarted api removes the orphans and keeps committed files', async () => {
    const uploads = s.t.env.UPLOADS_DIR;
    api = await startApiProcess(s.t.env);

    // a committed post with a file
    const form = new FormData();
    form.set('name', 'committed');
    form.set('content', 'stays');
    form.append('files', new Blob([Buffer.from('committed file\n'.repeat(100))], { type: 'text/plain' }), 'kept.txt');
    const created = await fetch(`${api.url}/api/v1/boards/${boardId}/posts`, { method: 'POST', headers: { Authorization: `Bearer ${member.token}` }, body: form });
    expect(created.status).toBe(201);
    const committed = (await created.json()) as { id: number; files: { id: string; url: string }[] };
    const committedKeys = filesIn(path.join(uploads, 'attachments'));
    expect(committedKeys).toHaveLength(1);

    // a slow upload: the first file complete, the second one half sent, then nothing more
    const boundary = `----agora${crypto.randomBytes(8).toString('hex')}`;
    const part = (name: string, filename?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n${filename ? 'Content-Type: text/plain\r\n' : ''}\r\n`;
    const req = http.request(`${api.url}/api/v1/boards/${boardId}/posts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${member.token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(10_000_000) },
    });
    req.on('error', () => undefined); // the api dies under it
    req.write(part('name') + 'lost\r\n' + part('content') + 'never committed\r\n');
    req.write(part('files', 'done.txt') + 'first file, complete\n'.repeat(5000) + '\r\n');
    req.write(part('files', 'partial.txt') + 'second file, cut off\n'.repeat(5000));
    await waitFor(
      'the first file in place and the second one being written',
      () => filesIn(path.join(uploads, 'attachments')).length === 2 && filesIn(path.join(uploads, '.tmp')).some((f) => fs.statSync(path.join(uploads, '.tmp', f)).size > 0),
      30_000,
    );
    api.child.kill('SIGKILL');
    expect((await api.exited).signal).toBe('SIGKILL');
    req.destroy();

    const orphanAttachments = filesIn(path.join(uploads, 'attachments')).filter((f) => !committedKeys.includes(f));
    const orphanTemps = filesIn(path.join(uploads, '.tmp'));
    expect(orphanAttachments).toHaveLength(1);
    expect(orphanTemps).toHaveLength(1);
    expect(await s.t.ctx.prisma.post.count({ where: { name: 'lost' } })).toBe(0);

    // restart, with a short grace period and interval so the test need not wait an hour
    const restartedAt = Date.now();
    api = await startApiProcess({ ...s.t.env, UPLOAD_ORPHAN_GRACE_SECONDS: '2', UPLOAD_SWEEP_INTERVAL_SECONDS: '1' });
    await waitFor('the orphans to be swept', () => filesIn(path.join(uploads, '.tmp')).length === 0 && filesIn(path.join(uploads, 'attachments')).length === 1, 60_000, 100);
    const sweptMs = Date.now() - restartedAt;

    // committed files stay and still download
    expect(filesIn(path.join(uploads, 'attachments'))).toEqual(committedKeys);
    const download = await fetch(`${api.url}${committed.files[0].url}`, { headers: { Authorization: `Bearer ${member.token}` } });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('committed file\n'.repeat(100));

    // logged with what was removed, and counted in /readyz
    await waitFor('the sweep log line', () => api!.logs().some((l) => l.msg === 'orphan files removed'), 30_000, 50);
    const removedKeys = api
      .logs()
      .filter((l) => l.msg === 'orphan files removed')
      .flatMap((l) => l.keys as string[]);
    expect(removedKeys.sort()).toEqual([`.tmp/${orphanTemps[0]}`, `attachments/${orphanAttachments[0]}`].sort());
    const ready = (await (await fetch(`${api.url}/readyz`)).json()) as { orphanSweep: { removedTempFiles: number; removedAttachments: number; removedBytes: number; runs: number } };
    expect(ready.orphanSweep).toMatchObject({ removedTempFiles: 1, removedAttachments: 1 });
    expect(ready.orphanSweep.removedBytes).toBeGreaterThan(100_000);
    // a grace period shorter than a request may last is called out at start
    expect(api.logs().some((l) => l.level === 40 && /UPLOAD_ORPHAN_GRACE_SECONDS/.test(l.msg))).toBe(true);
    const at = (msg: string) => Date.parse(api!.logs().find((l) => l.msg === msg)!.time);
    recordTiming('upload-orphans-after-kill', { graceSeconds: 2, intervalSeconds: 1, restartToSweptMs: sweptMs, listeningToSweptMs: at('orphan files removed') - at('api listening') });
  }, 180_000);
});
