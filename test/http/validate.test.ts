// The validation middleware, the error mapping and the OpenAPI generation, on a small app built from the
// same pieces as the real one (ApiRouter + errorHandler).
import { describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ApiRegistry, ApiRouter, documentGuards, ok, type Handler } from '../../src/http/api.js';
import { ConflictError, RateLimitedError } from '../../src/errors.js';
import { errorHandler } from '../../src/http/errors.js';
import { buildOpenApi } from '../../src/http/openapi.js';
import { newUserSchema } from '../../src/users/schemas.js';

function testApp() {
  const registry = new ApiRegistry();
  // a stand-in token guard: every request is member 1 (the real guards are tested with real tokens elsewhere)
  const asMember: Handler = (req, _res, next) => {
    req.user = { id: 1, role: 'user', jti: 'j', sid: 's', exp: 0 };
    next();
  };
  const api = new ApiRouter(registry, '/api/v1', { guards: documentGuards({ requireAuth: asMember, readAuth: () => asMember }) });
  api
    .route({
      method: 'post',
      path: '/boards/:boardId/things',
      operationId: 'createThing',
      summary: 'test route',
      auth: 'required',
      params: { type: 'object', required: ['boardId'], properties: { boardId: { type: 'integer', minimum: 1 } } },
      query: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, sort: { enum: ['new', 'likes'] } } },
      body: newUserSchema,
      responses: { 201: { description: 'created', schema: { type: 'object' } } },
    })
    .handle(({ params, query, body }) => ({ status: 201, body: { params, query, body } }));
  api.route({ method: 'get', path: '/boom', operationId: 'boom', summary: 'fails', auth: 'none', responses: { 200: { description: 'never' } } }).handle(() => {
    throw new Error('SELECT * FROM users WHERE secret -- internal detail');
  });
  api.route({ method: 'get', path: '/taken', operationId: 'taken', summary: 'conflict', auth: 'none', responses: { 200: { description: 'never' } } }).handle(() => {
    throw new ConflictError('already_exists', 'name already taken', { fields: ['name'] });
  });
  api.route({ method: 'get', path: '/slow-down', operationId: 'slowDown', summary: '429', auth: 'none', responses: { 200: { description: 'never' } } }).handle(() => {
    throw RateLimitedError.retryAfter(12.2);
  });
  const app = express();
  app.use(express.json());
  app.use('/api/v1', api.router);
  app.use(errorHandler(pino({ level: 'silent' })));
  return { app, registry };
}

const good = { name: 'alice_1', email: 'alice@example.com', password: 'Str0ng!pass' };
const { app, registry } = testApp();
const post = (body: unknown, qs = '', id = '7') =>
  request(app)
    .post(`/api/v1/boards/${id}/things${qs}`)
    .send(body as object);

describe('request validation', () => {
  it('passes a valid request through with query and params coerced and defaults applied', async () => {
    const res = await post(good, '?sort=likes');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ params: { boardId: 7 }, query: { limit: 20, sort: 'likes' }, body: good });
  });

  it.each([
    [{ ...good, name: undefined }, 'name', 'required'],
    [{ ...good, name: '1abc' }, 'name', 'invalid_format'],
    [{ ...good, name: 'has space' }, 'name', 'invalid_format'],
    [{ ...good, name: 'a'.repeat(65) }, 'name', 'too_long'],
    [{ ...good, name: '   ' }, 'name', 'invalid_format'],
    [{ ...good, email: 'no-at-sign' }, 'email', 'invalid_format'],
    [{ ...good, email: 'user@localhost' }, 'email', 'invalid_format'],
    [{ ...good, email: `${'a'.repeat(250)}@example.com` }, 'email', 'too_long'],
    [{ ...good, password: 'Sh0rt!' }, 'password', 'too_short'],
    [{ ...good, password: 'alllower1!' }, 'password', 'invalid_format'],
    [{ ...good, password: 'ALLUPPER1!' }, 'password', 'invalid_format'],
    [{ ...good, password: 'NoDigits!!' }, 'password', 'invalid_format'],
    [{ ...good, password: 'NoSpecial11' }, 'password', 'invalid_format'],
    [{ ...good, password: 'A1!' + 'a'.repeat(62) }, 'password', 'too_long'],
    [{ ...good, name: 42 }, 'name', 'invalid_type'],
    [{ ...good, isAdmin: true }, 'isAdmin', 'unknown_field'],
  ])('rejects %j: 400 naming %s', async (body, field, code) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, in: 'body', code })]));
  });

  it('reports every offending field at once, in body, query and params', async () => {
    const res = await post({ name: '', email: 'x' }, '?limit=500&extra=1', 'abc');
    expect(res.status).toBe(400);
    const got = (res.body.errors as { field: string; in: string }[]).map((e) => `${e.in}:${e.field}`).sort();
    expect(got).toEqual(expect.arrayContaining(['body:email', 'body:name', 'body:password', 'params:boardId', 'query:extra', 'query:limit']));
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await request(app).post('/api/v1/boards/1/things').set('Content-Type', 'text/plain').send('name=alice');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });
});

describe('error mapping', () => {
  it('hides unexpected errors behind a generic 500 problem', async () => {
    const res = await request(app).get('/api/v1/boom');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' });
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|secret|\.ts:\d+/);
  });

  it('names the conflicting field in a 409', async () => {
    const res = await request(app).get('/api/v1/taken');
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{ field: 'name', in: 'body', code: 'taken', message: 'name is already taken' }]);
  });

  it('sends Retry-After with a 429', async () => {
    const res = await request(app).get('/api/v1/slow-down');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('13');
    expect(res.body.code).toBe('rate_limited');
  });
});

describe('OpenAPI generation', () => {
  it('documents path and query parameters, the request body and the bearer requirement, and validates as 3.1', async () => {
    const doc = buildOpenApi(registry, { title: 't', version: '1' });
    const op = doc.paths['/api/v1/boards/{boardId}/things'].post as Record<string, unknown>;
    expect(op.parameters).toEqual([
      expect.objectContaining({ name: 'boardId', in: 'path', required: true }),
      expect.objectContaining({ name: 'limit', in: 'query', required: false }),
      expect.objectContaining({ name: 'sort', in: 'query', required: false }),
    ]);
    expect(op.requestBody).toEqual({ required: true, content: { 'application/json': { schema: newUserSchema } } });
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    const result = await new Validator().validate(JSON.parse(JSON.stringify(doc)) as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('reply checking (NODE_ENV=test)', () => {
  const registry = new ApiRegistry();
  const api = new ApiRouter(registry, '', { validateResponses: true });
  const schema = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } as const;
  const route = (path: string, reply: () => ReturnType<typeof ok>) =>
    api.route({ method: 'get', path, operationId: path.slice(1), summary: path, auth: 'none', responses: { 200: { description: 'a thing', schema } } }).handle(reply);
  route('/good', () => ok({ id: 1 }));
  route('/wrong-body', () => ok({ id: 'one' }));
  route('/undocumented-status', () => ({ status: 201, body: { id: 1 } }));
  const app = express();
  app.use(api.router);
  app.use(errorHandler(pino({ level: 'silent' })));

  it('passes a reply that matches its documented schema', async () => {
    expect((await request(app).get('/good')).body).toEqual({ id: 1 });
  });

  it.each(['/wrong-body', '/undocumented-status'])('fails %s, a reply the document does not describe, as a server error', async (path) => {
    const res = await request(app).get(path);
    expect({ status: res.status, code: (res.body as { code?: string }).code }).toEqual({ status: 500, code: 'internal_error' });
  });
});
