// The OpenAPI document as a reader of /docs needs it: every operation described, its error responses derived
// from its route (so they match what the API answers), file fields that Swagger UI renders as file inputs,
// and examples that are valid instances of the schemas they illustrate.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { documentedOperationIds } from '../../src/http/openapi-errors.js';
import { operationExamples } from '../../src/http/openapi-examples.js';
import { compile } from '../../src/http/schema.js';
import { API, PASSWORD, expectProblem, login, makeAdmin, signup } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON document, read field by field
type Json = Record<string, any>;

let t: TestContext;
let app: Express;
let doc: Json;
const operations: Json[] = [];
const op = (id: string) => operations.find((o) => o.operationId === id)!;
const codesOf = (o: Json, status: number): string[] => Object.keys(o.responses[status]?.content?.['application/problem+json']?.examples ?? {});

/** The answer is one the operation documents: its status, and its code among that status's examples. */
function expectDocumented(operationId: string, res: request.Response) {
  expect({ operationId, status: res.status, code: res.body.code, documented: codesOf(op(operationId), res.status).includes(res.body.code as string) }).toEqual({
    operationId,
    status: res.status,
    code: res.body.code,
    documented: true,
  });
}

beforeAll(async () => {
  t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '1000' });
  app = buildApp(t.ctx);
  doc = (await request(app).get('/openapi.json')).body as Json;
  for (const [p, methods] of Object.entries(doc.paths as Json)) for (const [m, o] of Object.entries(methods as Json)) operations.push({ ...(o as Json), path: p, method: m });
});
afterAll(() => t.cleanup());

describe('the OpenAPI document', () => {
  it('leaves jsonSchemaDialect to its default (Swagger UI warns about any other value)', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).not.toHaveProperty('jsonSchemaDialect');
  });

  it('gives every operation a description and problem+json error responses with their codes', () => {
    expect(operations.length).toBeGreaterThan(50);
    for (const o of operations) {
      expect({ id: o.operationId, description: typeof o.description === 'string' && o.description.includes('**Access:**') }).toEqual({ id: o.operationId, description: true });
      for (const [status, r] of Object.entries(o.responses as Json)) {
        if (Number(status) < 400 && status !== 'default') continue;
        const media = r.content['application/problem+json'];
        expect(media.schema).toEqual({ $ref: '#/components/schemas/Problem' });
        for (const [code, ref] of Object.entries((media.examples ?? {}) as Json)) {
          const ex = doc.components.examples[(ref.$ref as string).replace('#/components/examples/', '')] as Json;
          expect(ex.value).toMatchObject({ status: status === 'default' ? expect.any(Number) : Number(status), code, type: `urn:agora:problem:${code}` });
          expect(r.description).toContain(`\`${code}\``);
          if (status !== 'default') expect(o.description).toContain(`\`${code}\``);
        }
      }
    }
  });

  it('derives the error responses from the route: input, token, role, path ids, rate limits', () => {
    for (const o of operations) {
      const params = (o.parameters ?? []) as Json[];
      const id = o.operationId as string;
      if (params.length || o.requestBody) expect({ id, codes: codesOf(o, 400) }).toEqual({ id, codes: expect.arrayContaining(['validation_failed']) });
      if (o.requestBody) {
        expect({ id, codes: [...codesOf(o, 413), ...codesOf(o, 415)] }).toEqual({ id, codes: expect.arrayContaining(['payload_too_large', 'unsupported_media_type']) });
      }
      if (o.security) expect({ id, codes: codesOf(o, 401) }).toEqual({ id, codes: expect.arrayContaining(['invalid_token']) });
      else expect({ id, codes: codesOf(o, 401) }).toEqual({ id, codes: expect.not.arrayContaining(['unauthorized', 'invalid_token']) });
      if (params.some((p) => p.in === 'path')) expect({ id, has404: codesOf(o, 404).length > 0 }).toEqual({ id, has404: true });
    }
    expect(codesOf(op('listUsers'), 403)).toEqual(['forbidden']);
    expect(op('listUsers').description).toContain('with the role admin or superuser');
    expect(codesOf(op('getPost'), 404)).toEqual(['board_not_found', 'post_not_found']);
    expect(codesOf(op('getAiLog'), 404)).toEqual(['ailog_not_found']);
    // a limiter mounted on the route
    expect(codesOf(op('requestPasswordReset'), 429)).toEqual(['rate_limited']);
    expect(op('requestPasswordReset').responses[429].headers['Retry-After']).toBeDefined();
    expect(op('requestPasswordReset').description).toContain('**Rate limit:**');
    // outcomes the auth service decides
    expect(codesOf(op('login'), 401)).toEqual(['invalid_credentials']);
    expect(codesOf(op('login'), 429)).toEqual(['rate_limited']);
    expect(codesOf(op('signUp'), 409)).toEqual(['already_exists']);
    expect(op('signUp').security).toBeUndefined();
    expect(codesOf(op('createPost'), 413)).toEqual(expect.arrayContaining(['payload_too_large', 'file_too_large', 'too_many_files', 'upload_too_large']));
    expect(codesOf(op('createPost'), 415)).toEqual(['unsupported_media_type', 'file_type_not_allowed']);
    expect(codesOf(op('downloadFile'), 416)).toEqual(['range_not_satisfiable']);
    expect(codesOf(op('getReadiness'), 503)).toEqual(['not_ready']);
  });

  it('documents the codes the API actually answers', async () => {
    const member = await signup(app, 'doc');
    const admin = await signup(app, 'docadmin');
    await makeAdmin(t.ctx, admin);
    const { access } = await login(app, member);
    const adminToken = (await login(app, admin)).access;
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    const answers: [string, request.Response][] = [
      ['signUp', await request(app).post(`${API}/users`).send({ name: member.name, email: 'other@example.com', password: PASSWORD })],
      ['signUp', await request(app).post(`${API}/users`).send({ name: 'x' })],
      ['signUp', await request(app).post(`${API}/users`).set('Content-Type', 'text/plain').send('name=x')],
      ['login', await request(app).post(`${API}/auth/login`).send({ name: member.name, password: 'Wr0ng!password' })],
      ['listUsers', await request(app).get(`${API}/users`).set(bearer(access))],
      ['listUsers', await request(app).get(`${API}/users`)],
      ['getMe', await request(app).get(`${API}/users/me`).set(bearer('x.y.z'))],
      ['listPosts', await request(app).get(`${API}/boards/999999/posts`).set(bearer(access))],
      ['createPost', await request(app).post(`${API}/boards/999999/posts`).set(bearer(access)).send({ name: 'n', content: 'c' })],
      ['createBoard', await request(app).post(`${API}/boards`).set(bearer(access)).send({ name: 'nope' })],
      ['getAi', await request(app).get(`${API}/ais/999999`).set(bearer(access))],
      ['confirmPasswordReset', await request(app).post(`${API}/auth/password-reset/confirm`).send({ token: 'nope', password: PASSWORD })],
    ];
    const board = await request(app)
      .post(`${API}/boards`)
      .set(bearer(adminToken))
      .send({ name: `docboard${Date.now()}` });
    expect(board.status).toBe(201);
    answers.push(['createBoard', await request(app).post(`${API}/boards`).set(bearer(adminToken)).send({ name: board.body.name })]);
    answers.push([
      'createPost',
      await request(app)
        .post(`${API}/boards/${board.body.id}/posts`)
        .set(bearer(access))
        .field('name', 'n')
        .field('content', 'c')
        .attach('files', Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), 'tool.exe'),
    ]);
    for (const [id, res] of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expectDocumented(id, res);
    }
    // and they are the codes the tests elsewhere expect (a sample)
    expectProblem(answers[0][1], 409, 'already_exists');
    expectProblem(answers[answers.length - 1][1], 415, 'file_type_not_allowed');
  });

  it('gives multipart operations file fields that Swagger UI renders as file inputs', () => {
    const post = op('createPost').requestBody.content['multipart/form-data'].schema;
    expect(post.required).toEqual(['name', 'content']);
    expect(post.properties.files).toMatchObject({ type: 'array', items: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream' } });
    expect(op('createComment').requestBody.content['multipart/form-data'].schema.properties.files.items.format).toBe('binary');
    const ai = op('createAi').requestBody.content['multipart/form-data'].schema;
    expect(ai.properties.dataset).toMatchObject({ type: 'string', format: 'binary', contentMediaType: 'text/csv' });
    // the form's own text parts (features comma-separated), not the JSON body's array
    expect(ai.properties.features.type).toBe('string');
  });

  it('shows request and response examples for the main operations, each valid against its schema', () => {
    for (const id of ['signUp', 'login', 'listPosts', 'createPost', 'createComment']) expect(operationExamples[id]).toBeDefined();
    for (const [id, ex] of Object.entries(operationExamples)) {
      const o = op(id);
      if (ex.request !== undefined) {
        const media = o.requestBody.content['application/json'];
        expect(media.example).toEqual(ex.request);
        const check = compile(media.schema as Json, false);
        expect({ id, valid: check(structuredClone(ex.request)), errors: check.errors ?? null }).toEqual({ id, valid: true, errors: null });
      }
      for (const [status, value] of Object.entries(ex.responses ?? {})) {
        const media = o.responses[status].content['application/json'];
        expect(media.example).toEqual(value);
        const check = compile(media.schema as Json, false);
        expect({ id, status, valid: check(structuredClone(value)), errors: check.errors ?? null }).toEqual({ id, status, valid: true, errors: null });
      }
    }
  });

  it('names in its tables only operations that exist', () => {
    const ids = operations.map((o) => o.operationId as string);
    expect(ids.length).toBe(new Set(ids).size);
    for (const id of [...documentedOperationIds, ...Object.keys(operationExamples)]) expect(ids).toContain(id);
  });
});
