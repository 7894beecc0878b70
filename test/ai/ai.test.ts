// AI models and predictions end to end: the REST API, real Redis queues and an in-process BullMQ worker on the
// suite's own database. Training on the shipped CSV, uploads (JSON and multipart) with their validation,
// visibility rules, single and batch predictions, re-asking and deleting logs, retraining, cancelling a
// deleted model's queued jobs, job counts, the audit trail, and the SSE stream of a prediction.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { modelKeys } from '../../src/ais/jobs.js';
import { queueNames } from '../../src/platform/queue.js';
import { call, type Actor } from '../boards/setup.js';
import { API, b64url, expectProblem } from '../helpers/auth.js';
import { testProvider } from '../helpers/db.js';
import { aiName, createTrainedModel, finished, formula, startAiSuite, trained, waitFor, FORMULA, type AiBody, type AiLogBody, type AiSuite } from './helpers.js';

let s: AiSuite;
let model: AiBody;

beforeAll(async () => {
  s = await startAiSuite({ AI_BATCH_LIMIT: '5', AI_DATASET_MAX_BYTES: '1000000', AI_DATASET_MAX_ROWS: '20000' });
  model = await createTrainedModel(s);
}, 60_000);
afterAll(() => s?.cleanup());

const audits = (action: string, aiId: number) => s.t.ctx.prisma.auditEvent.findMany({ where: { action, targetType: 'ai', targetId: String(aiId) } });
const predict = (who: Actor, aiId: number, body: object) => call(s.app, who, 'post', `/ais/${aiId}/ailogs`, body);
const fieldsOf = (res: request.Response) => (res.body.errors as { field: string; code: string }[]).map((e) => ({ field: e.field, code: e.code }));

describe(`training (${testProvider})`, () => {
  it('POST /ais answers 202 with the model queued and its job id; the worker trains it on the shipped CSV', async () => {
    const res = await call(s.app, s.admin, 'post', '/ais', { name: aiName('first'), description: 'the formula' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', isAvailable: false, isVisible: true, version: 0, jobId: expect.stringMatching(/^t-/), description: 'the formula' });
    expect(res.headers.location).toBe(`/api/v1/ais/${res.body.id}`);
    const row = await trained(s, res.body.id as number);
    expect(row).toMatchObject({ status: 'succeeded', isAvailable: true, version: 1, artifactKey: modelKeys.artifact(row.id, 1), error: null });
    expect(row.startDate!.getTime()).toBeLessThanOrEqual(row.finishDate!.getTime());
    expect(row.startDate!.getTime()).toBeGreaterThanOrEqual(row.createDate.getTime());
    expect(await s.t.ctx.storage.exists(modelKeys.artifact(row.id, 1))).toBe(true);
    const audit = [...(await audits('ai.created', row.id)), ...(await audits('ai.trained', row.id))];
    expect(audit.map((a) => a.action).sort()).toEqual(['ai.created', 'ai.trained']);
    expect(audit.every((a) => a.actorId === s.admin.id)).toBe(true);
  });

  it('learns the formula: coefficients within 0.02, intercept near 0, R² > 0.99 on the hold-out', () => {
    const m = model.metrics!;
    expect(m.features).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']);
    m.coefficients.forEach((c, i) => expect({ i, close: Math.abs(c - FORMULA[i]) < 0.02 }).toEqual({ i, close: true }));
    expect(Math.abs(m.intercept)).toBeLessThan(0.1);
    expect(m.r2).toBeGreaterThan(0.99);
    expect(m.rmse).toBeLessThan(0.6);
  });

  it('trains on an uploaded multipart CSV with declared feature and target columns', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => {
      const a = (i * 7919) % 101;
      const b = (i * 104729) % 97;
      return `${b},${a},${i % 3},${3 * a - 2 * b + 1}`;
    });
    const csv = ['b,a,noise,target', ...rows].join('\n');
    const res = await request(s.app)
      .post(`${API}/ais`)
      .set('Authorization', `Bearer ${s.admin.token}`)
      .field('name', aiName('upload'))
      .field('features', 'a,b')
      .field('target', 'target')
      .attach('dataset', Buffer.from(csv), { filename: 'data.csv', contentType: 'text/csv' });
    expect(res.status).toBe(202);
    expect(res.body.datasetKey).toBe(modelKeys.dataset(res.body.id as number));
    const row = await trained(s, res.body.id as number);
    expect(row.status).toBe('succeeded');
    const m = row.metrics as { features: string[]; coefficients: number[]; intercept: number; r2: number };
    expect(m.features).toEqual(['a', 'b']);
    expect(m.coefficients[0]).toBeCloseTo(3, 6);
    expect(m.coefficients[1]).toBeCloseTo(-2, 6);
    expect(m.intercept).toBeCloseTo(1, 6);
    const p = await predict(s.member, row.id, { input: [10, 4] });
    expect(p.status).toBe(202);
    expect((await finished(s, p.body.id as number)).result).toBeCloseTo(23, 6);
  });

  it('validates an upload at once: 400 with the dataset code and field, nothing created', async () => {
    const before = await s.t.ctx.prisma.ai.count();
    const bad = await call(s.app, s.admin, 'post', '/ais', { name: aiName(), dataset: 'x0,y\n1,2\n1,oops\n' + '1,2\n'.repeat(5) });
    expectProblem(bad, 400, 'validation_failed');
    expect(fieldsOf(bad)).toEqual([{ field: 'dataset', code: 'dataset_not_numeric' }]);
    expect(bad.body.detail).toMatch(/Line 3, column y/);
    const noTarget = await call(s.app, s.admin, 'post', '/ais', { name: aiName(), dataset: 'a,b\n' + '1,2\n'.repeat(9) });
    expect(fieldsOf(noTarget)).toEqual([{ field: 'dataset', code: 'dataset_missing_column' }]);
    const tooMany = await call(s.app, s.admin, 'post', '/ais', { name: aiName(), dataset: 'a,y\n' + '1,2\n'.repeat(20_001) });
    expect(fieldsOf(tooMany)).toEqual([{ field: 'dataset', code: 'dataset_too_many_rows' }]);
    const columnsWithout = await call(s.app, s.admin, 'post', '/ais', { name: aiName(), features: ['x0'] });
    expect(fieldsOf(columnsWithout)).toEqual([{ field: 'features', code: 'dataset_required' }]);
    const big = await request(s.app)
      .post(`${API}/ais`)
      .set('Authorization', `Bearer ${s.admin.token}`)
      .field('name', aiName())
      .attach('dataset', Buffer.alloc(1_000_001, 'a'), { filename: 'big.csv' });
    expectProblem(big, 413, 'dataset_too_large');
    // the type is sniffed from the bytes, as for attachments: an image named .csv is not a dataset
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);
    const notText = await request(s.app).post(`${API}/ais`).set('Authorization', `Bearer ${s.admin.token}`).field('name', aiName()).attach('dataset', png, { filename: 'd.csv' });
    expectProblem(notText, 415, 'file_type_not_allowed');
    const formBad = await request(s.app)
      .post(`${API}/ais`)
      .set('Authorization', `Bearer ${s.admin.token}`)
      .field('name', '')
      .field('bogus', '1')
      .attach('dataset', Buffer.from('a,y\n'), { filename: 'd.csv' });
    expectProblem(formBad, 400, 'validation_failed');
    expect(fieldsOf(formBad)).toEqual(
      expect.arrayContaining([
        { field: 'bogus', code: 'unknown_field' },
        { field: 'name', code: 'too_short' },
      ]),
    );
    const dup = await call(s.app, s.admin, 'post', '/ais', { name: model.name });
    expectProblem(dup, 409, 'already_exists');
    expect(await s.t.ctx.prisma.ai.count()).toBe(before);
  });

  it('a dataset the worker cannot solve fails the training once (no retry), with the error text and an audit record', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${2 * i},${5 * i}`);
    const res = await call(s.app, s.admin, 'post', '/ais', { name: aiName('dependent'), dataset: ['a,b,y', ...rows].join('\n') });
    expect(res.status).toBe(202);
    const row = await trained(s, res.body.id as number);
    expect(row).toMatchObject({ status: 'failed', isAvailable: false, version: 0, artifactKey: null });
    expect(row.error).toMatch(/linearly dependent/);
    expect(await audits('ai.train_failed', row.id)).toHaveLength(1);
    // UnrecoverableError: the job made one attempt; removeOnFail keeps it for inspection. The row is written
    // inside the attempt, before BullMQ records the failure: wait for the job's own state first.
    const queue = s.t.ctx.queues.get(queueNames.aiTrain);
    await waitFor(`job ${row.jobId} to be failed`, async () => (await queue.getJobState(row.jobId!)) === 'failed');
    const job = await queue.getJob(row.jobId!);
    expect(job?.attemptsMade).toBe(1);
    // and nobody can predict with it
    expectProblem(await predict(s.admin, row.id, { input: [1, 2] }), 409, 'ai_not_available');
    expectProblem(await predict(s.member, row.id, { input: [1, 2] }), 404, 'ai_not_found');
  });

  it('POST /ais/:aiId/train retrains (202, version 2, still available meanwhile); 409 while one is queued', async () => {
    const m = await createTrainedModel(s);
    await s.workers!.train.pause();
    try {
      const res = await call(s.app, s.admin, 'post', `/ais/${m.id}/train`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'queued', version: 1, isAvailable: true, jobId: expect.stringMatching(/^t-/) });
      expect(res.body.jobId).not.toBe(m.jobId);
      expectProblem(await call(s.app, s.admin, 'post', `/ais/${m.id}/train`), 409, 'ai_training_in_progress');
      // the previous version still answers
      const p = await predict(s.member, m.id, { input: [1, 1, 1, 1, 1, 1, 1, 1] });
      expect((await finished(s, p.body.id as number)).status).toBe('succeeded');
    } finally {
      await s.workers!.train.resume();
    }
    const row = await trained(s, m.id);
    expect(row).toMatchObject({ status: 'succeeded', version: 2, artifactKey: modelKeys.artifact(m.id, 2) });
    expect(await audits('ai.train_requested', m.id)).toHaveLength(1);
    expectProblem(await call(s.app, s.member, 'post', `/ais/${m.id}/train`), 403, 'forbidden');
    expectProblem(await call(s.app, s.admin, 'post', '/ais/999999/train'), 404, 'ai_not_found');
  });
});

describe('models: who sees and manages what', () => {
  it('members cannot create, change or delete models', async () => {
    expectProblem(await call(s.app, s.member, 'post', '/ais', { name: aiName() }), 403, 'forbidden');
    expectProblem(await call(s.app, s.member, 'patch', `/ais/${model.id}`, { name: 'x' }), 403, 'forbidden');
    expectProblem(await call(s.app, s.member, 'delete', `/ais/${model.id}`), 403, 'forbidden');
    expectProblem(await call(s.app, null, 'get', '/ais'), 401, 'unauthorized');
  });

  it('members see only visible, available models, without the internal fields; admins see all', async () => {
    const hidden = await createTrainedModel(s);
    const disabled = await createTrainedModel(s);
    expect((await call(s.app, s.admin, 'patch', `/ais/${hidden.id}`, { isVisible: false })).body).toMatchObject({ isVisible: false });
    expect((await call(s.app, s.admin, 'patch', `/ais/${disabled.id}`, { isAvailable: false })).body).toMatchObject({ isAvailable: false });
    const mine = await call(s.app, s.member, 'get', '/ais?limit=100');
    const ids = (mine.body.items as AiBody[]).map((a) => a.id);
    expect(ids).toContain(model.id);
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(disabled.id);
    const one = (mine.body.items as Record<string, unknown>[]).find((a) => a.id === model.id)!;
    expect(one).not.toHaveProperty('jobId');
    expect(one).not.toHaveProperty('artifactKey');
    expect(one.features).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']);
    expectProblem(await call(s.app, s.member, 'get', `/ais/${hidden.id}`), 404, 'ai_not_found');
    expectProblem(await call(s.app, s.member, 'get', `/ais/${disabled.id}`), 404, 'ai_not_found');
    expectProblem(await predict(s.member, disabled.id, { input: FORMULA }), 404, 'ai_not_found');
    expectProblem(await predict(s.admin, disabled.id, { input: FORMULA }), 409, 'ai_not_available');
    const all = (await call(s.app, s.admin, 'get', '/ais?limit=100')).body.items as AiBody[];
    expect(all.map((a) => a.id)).toEqual(expect.arrayContaining([hidden.id, disabled.id]));
    expect((await call(s.app, s.admin, 'get', `/ais/${hidden.id}`)).body).toMatchObject({ jobId: expect.any(String), artifactKey: expect.any(String) });
  });

  it('pages newest first with a cursor, and filters by status', async () => {
    const first = await call(s.app, s.admin, 'get', '/ais?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const [a, b] = first.body.items as AiBody[];
    expect(a.id).toBeGreaterThan(b.id);
    const next = await call(s.app, s.admin, 'get', `/ais?limit=2&cursor=${first.body.nextCursor as string}`);
    expect((next.body.items as AiBody[])[0].id).toBeLessThan(b.id);
    const failed = await call(s.app, s.admin, 'get', '/ais?status=failed&limit=100');
    expect((failed.body.items as AiBody[]).every((x) => x.status === 'failed')).toBe(true);
    expectProblem(await call(s.app, s.admin, 'get', '/ais?cursor=nonsense'), 400, 'validation_failed');
    expectProblem(await call(s.app, s.admin, 'get', `/ais?cursor=${b64url([2 ** 31])}`), 400, 'validation_failed');
    expectProblem(await call(s.app, s.admin, 'get', '/ais?status=done'), 400, 'validation_failed');
  });

  it('PATCH validates: a model never trained cannot be made available; names stay unique', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${2 * i},${5 * i}`);
    const res = await call(s.app, s.admin, 'post', '/ais', { name: aiName('untrained'), dataset: ['a,b,y', ...rows].join('\n') });
    await trained(s, res.body.id as number);
    const r = await call(s.app, s.admin, 'patch', `/ais/${res.body.id as number}`, { isAvailable: true });
    expectProblem(r, 409, 'ai_not_trained');
    expect(fieldsOf(r)).toEqual([{ field: 'isAvailable', code: 'ai_not_trained' }]);
    expectProblem(await call(s.app, s.admin, 'patch', `/ais/${res.body.id as number}`, { name: model.name }), 409, 'already_exists');
    expectProblem(await call(s.app, s.admin, 'patch', `/ais/${model.id}`, {}), 400, 'validation_failed');
    expectProblem(await call(s.app, s.admin, 'patch', '/ais/999999', { name: 'zz' }), 404, 'ai_not_found');
    const ok = await call(s.app, s.admin, 'patch', `/ais/${model.id}`, { description: 'linear' });
    expect(ok.body).toMatchObject({ id: model.id, description: 'linear' });
  });
});

describe('predictions', () => {
  it('a single input: 202 queued, then succeeded with the predicted number, start and finish dates', async () => {
    const input = [1, 2, 3, 4, 5, 6, 7, 8];
    const res = await predict(s.member, model.id, { input });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ aiId: model.id, userId: s.member.id, status: 'queued', isFinished: false, result: null, input, jobId: expect.stringMatching(/^p-/) });
    expect(res.headers.location).toBe(`/api/v1/ailogs/${res.body.id}`);
    await finished(s, res.body.id as number);
    const got = await call(s.app, s.member, 'get', `/ailogs/${res.body.id}`);
    expect(got.status).toBe(200);
    const log = got.body as AiLogBody;
    expect(log).toMatchObject({ status: 'succeeded', isFinished: true, error: null });
    expect(Math.abs((log.result as number) - formula(input))).toBeLessThan(0.1);
    expect(Date.parse(log.startDate!)).toBeLessThanOrEqual(Date.parse(log.finishDate!));
  });

  it('a batch: the result is an array, one prediction per row', async () => {
    const inputs = [FORMULA.map(() => 0), FORMULA.map(() => 1), FORMULA.map((_, i) => i)];
    const res = await predict(s.member, model.id, { inputs });
    expect(res.status).toBe(202);
    const row = await finished(s, res.body.id as number);
    expect(row.status).toBe('succeeded');
    const result = row.result as number[];
    expect(result).toHaveLength(3);
    result.forEach((r, i) => expect(Math.abs(r - formula(inputs[i]))).toBeLessThan(0.1));
  });

  it('rejects bad inputs with 4xx, a code and the field', async () => {
    const cases: [object, string, { field: string; code: string }[]][] = [
      [{ input: [1, 2, 3] }, 'validation_failed', [{ field: 'input', code: 'input_length' }]],
      [{ inputs: [FORMULA, [1, 2]] }, 'validation_failed', [{ field: 'inputs.1', code: 'input_length' }]],
      [{ inputs: Array.from({ length: 6 }, () => FORMULA) }, 'validation_failed', [{ field: 'inputs', code: 'batch_too_large' }]],
      [{}, 'validation_failed', [{ field: 'input', code: 'input_required' }]],
      [{ input: FORMULA, inputs: [FORMULA] }, 'validation_failed', [{ field: 'input', code: 'input_conflict' }]],
      [{ input: [1, 2, 3, 4, 5, 6, 7, 'x'] }, 'validation_failed', [{ field: 'input.7', code: 'invalid_type' }]],
      [{ input: [] }, 'validation_failed', [{ field: 'input', code: 'invalid_minItems' }]],
      [{ input: FORMULA, extra: 1 }, 'validation_failed', [{ field: 'extra', code: 'unknown_field' }]],
    ];
    for (const [body, code, fields] of cases) {
      const res = await predict(s.member, model.id, body);
      expectProblem(res, 400, code);
      expect({ body, fields: fieldsOf(res) }).toEqual({ body, fields });
    }
    // JSON has no Infinity, but 1e999 parses to it (ajv's number type refuses it; the service checks again)
    const inf = await request(s.app)
      .post(`${API}/ais/${model.id}/ailogs`)
      .set('Authorization', `Bearer ${s.member.token}`)
      .set('Content-Type', 'application/json')
      .send('{"input":[1,2,3,4,5,6,7,1e999]}');
    expectProblem(inf, 400, 'validation_failed');
    expect(fieldsOf(inf)).toEqual([{ field: 'input.7', code: 'invalid_type' }]);
    // the service (shared with the admin panel) checks on its own
    const principal = { id: s.member.id, role: 'user' as const, jti: 'j', sid: 's', exp: 0 };
    await expect(s.t.ctx.services.ais.predict(principal, model.id, { input: [1, 2, 3, 4, 5, 6, 7, Infinity] })).rejects.toMatchObject({
      kind: 'invalid',
      errors: [{ field: 'input', code: 'input_not_finite' }],
    });
    await expect(s.t.ctx.services.ais.predict(principal, model.id, { inputs: [FORMULA, 'x'] })).rejects.toMatchObject({ kind: 'invalid', errors: [{ field: 'inputs.1', code: 'input_length' }] });
    expectProblem(await predict(s.member, 999999, { input: FORMULA }), 404, 'ai_not_found');
    expectProblem(await call(s.app, null, 'post', `/ais/${model.id}/ailogs`, { input: FORMULA }), 401, 'unauthorized');
    // nothing was queued for any of them
    expect(await s.t.ctx.prisma.aiLog.count({ where: { input: { equals: [1, 2, 3] } } })).toBe(0);
  });

  it('logs: members list their own, admins everyone’s (or one member’s); others get 404 for a log', async () => {
    const mine = await predict(s.member, model.id, { input: FORMULA });
    const theirs = await predict(s.other, model.id, { input: FORMULA });
    await finished(s, mine.body.id as number);
    await finished(s, theirs.body.id as number);
    const list = await call(s.app, s.member, 'get', `/ais/${model.id}/ailogs?limit=100`);
    expect(list.status).toBe(200);
    const ids = (list.body.items as AiLogBody[]).map((l) => l.id);
    expect(ids).toContain(mine.body.id);
    expect(ids).not.toContain(theirs.body.id);
    expect((list.body.items as AiLogBody[]).every((l) => l.userId === s.member.id)).toBe(true);
    const all = await call(s.app, s.admin, 'get', `/ais/${model.id}/ailogs?limit=100`);
    expect((all.body.items as AiLogBody[]).map((l) => l.id)).toEqual(expect.arrayContaining([mine.body.id, theirs.body.id]));
    const one = await call(s.app, s.admin, 'get', `/ais/${model.id}/ailogs?limit=100&userId=${s.other.id}`);
    expect((one.body.items as AiLogBody[]).every((l) => l.userId === s.other.id)).toBe(true);
    expectProblem(await call(s.app, s.member, 'get', `/ais/${model.id}/ailogs?userId=${s.other.id}`), 403, 'forbidden');
    expectProblem(await call(s.app, s.member, 'get', `/ailogs/${theirs.body.id}`), 404, 'ailog_not_found');
    expect((await call(s.app, s.admin, 'get', `/ailogs/${theirs.body.id}`)).status).toBe(200);
    expectProblem(await call(s.app, s.member, 'delete', `/ailogs/${theirs.body.id}`), 404, 'ailog_not_found');
  });

  it('PATCH /ailogs/:id asks again with a new input; DELETE removes the log', async () => {
    const first = await predict(s.member, model.id, { input: FORMULA.map(() => 1) });
    const before = await finished(s, first.body.id as number);
    const input = FORMULA.map(() => 2);
    const again = await call(s.app, s.member, 'patch', `/ailogs/${first.body.id}`, { input });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ status: 'queued', isFinished: false, result: null, input });
    expect(again.body.jobId).not.toBe(before.jobId);
    const after = await finished(s, first.body.id as number);
    expect(Math.abs((after.result as number) - formula(input))).toBeLessThan(0.1);
    expectProblem(await call(s.app, s.member, 'patch', `/ailogs/${first.body.id}`, { input: [1] }), 400, 'validation_failed');
    expect((await call(s.app, s.member, 'delete', `/ailogs/${first.body.id}`)).status).toBe(204);
    expectProblem(await call(s.app, s.member, 'get', `/ailogs/${first.body.id}`), 404, 'ailog_not_found');
  });
});

describe('cancelling', () => {
  it('deleting a model mid-queue cancels its queued jobs, deletes its logs and artifacts, and is audited', async () => {
    const m = await createTrainedModel(s);
    const q = s.t.ctx.queues.get(queueNames.aiPredict);
    await s.workers!.predict.pause();
    const logs: AiLogBody[] = [];
    try {
      for (let i = 0; i < 5; i++) logs.push((await predict(s.member, m.id, { input: FORMULA })).body as AiLogBody);
      expect((await Promise.all(logs.map((l) => q.getJobState(l.jobId)))).every((st) => st === 'waiting')).toBe(true);
      expect((await s.t.ctx.services.ais.jobCounts()).queued).toBeGreaterThanOrEqual(5);
      expect((await call(s.app, s.admin, 'delete', `/ais/${m.id}`)).status).toBe(204);
      for (const l of logs) expect(await q.getJob(l.jobId)).toBeUndefined();
      expect(await s.t.ctx.prisma.aiLog.count({ where: { aiId: m.id } })).toBe(0);
      expect(await s.t.ctx.storage.exists(modelKeys.artifact(m.id, 1))).toBe(false);
      const [deleted] = await audits('ai.deleted', m.id);
      expect(deleted.details).toMatchObject({ cancelledJobs: 5 });
    } finally {
      await s.workers!.predict.resume();
    }
    expectProblem(await call(s.app, s.admin, 'get', `/ais/${m.id}`), 404, 'ai_not_found');
    expectProblem(await call(s.app, s.admin, 'delete', `/ais/${m.id}`), 404, 'ai_not_found');
    expect(await s.t.ctx.services.ais.jobCounts()).toEqual({ queued: 0, running: 0 });
  });

  it('a job whose model is deleted while it is active writes nothing and is dropped', async () => {
    const m = await createTrainedModel(s);
    const res = await predict(s.member, m.id, { input: FORMULA });
    await s.t.ctx.prisma.ai.delete({ where: { id: m.id } }); // as if deleted between the worker's fetch and its write
    await waitFor('the job to be processed', async () => (await s.t.ctx.queues.get(queueNames.aiPredict).getJob(res.body.jobId as string)) === undefined);
    expect(await s.t.ctx.prisma.aiLog.count({ where: { id: res.body.id as number } })).toBe(0);
  });
});

describe('GET /ailogs/:id/events (SSE)', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer(s.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Reads the whole stream (it ends after the final state); `onEvent` sees each event as it arrives. */
  function stream(path: string, token: string, onEvent: (e: { event: string; data: AiLogBody }) => void = () => undefined) {
    return new Promise<{ status: number; type: string; events: { event: string; data: AiLogBody }[] }>((resolve, reject) => {
      http
        .get(`${base}${API}${path}`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
          let buf = '';
          const events: { event: string; data: AiLogBody }[] = [];
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const event = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (event && data) {
                const e = { event, data: JSON.parse(data) as AiLogBody };
                events.push(e);
                onEvent(e);
              }
            }
          });
          res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), events }));
        })
        .on('error', reject);
    });
  }

  it('pushes the final state as soon as the worker publishes it, then ends', async () => {
    await s.workers!.predict.pause();
    const res = await predict(s.member, model.id, { input: FORMULA });
    let resumed = false;
    const got = await stream(`/ailogs/${res.body.id}/events`, s.member.token, (e) => {
      if (e.data.status === 'queued' && !resumed) {
        resumed = true;
        void s.workers!.predict.resume();
      }
    });
    expect(got.status).toBe(200);
    expect(got.type).toMatch(/^text\/event-stream/);
    expect(got.events[0]).toMatchObject({ event: 'ailog', data: { id: res.body.id, status: 'queued' } });
    const last = got.events[got.events.length - 1];
    expect(last).toMatchObject({ event: 'ailog', data: { id: res.body.id, status: 'succeeded', isFinished: true } });
    expect(Math.abs((last.data.result as number) - formula(FORMULA))).toBeLessThan(0.1);
  });

  it('sends the final state at once when already finished; 404 for someone else’s log', async () => {
    const res = await predict(s.member, model.id, { input: FORMULA });
    await finished(s, res.body.id as number);
    const got = await stream(`/ailogs/${res.body.id}/events`, s.member.token);
    expect(got.events).toHaveLength(1);
    expect(got.events[0].data).toMatchObject({ status: 'succeeded', isFinished: true });
    const denied = await request(s.app).get(`${API}/ailogs/${res.body.id}/events`).set('Authorization', `Bearer ${s.other.token}`);
    expectProblem(denied, 404, 'ailog_not_found');
  });
});
