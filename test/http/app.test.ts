import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import request from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { createTestContext, testEnv, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { expectProblem } from '../helpers/auth.js';

describe(`api app (${testProvider})`, () => {
  let t: TestContext;
  let app: Express;
  beforeAll(async () => {
    t = await createTestContext({ BODY_LIMIT: '1kb' });
    app = buildApp(t.ctx);
  });
  afterAll(() => t.cleanup());

  it('answers /healthz and /readyz when the database and Redis are up and uploads can be stored', async () => {
    const h = await request(app).get('/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok', version: expect.any(String) });
    const r = await request(app).get('/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok', storage: 'ok' },
      // the sweep runs in the api process (startApi), not in a bare app
      orphanSweep: { runs: 0, lastRunAt: null, removedTempFiles: 0, removedAttachments: 0, removedBytes: 0 },
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await request(app).get('/api/v1/nope');
    expectProblem(res, 404, 'not_found');
    expect(res.body.instance).toBe('/api/v1/nope');
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('answers a malformed JSON body with a 400 problem', async () => {
    const res = await request(app).post('/api/v1/anything').set('Content-Type', 'application/json').send('{"name": "x",');
    expectProblem(res, 400, 'malformed_json');
  });

  it('answers a body over the limit with a 413 problem', async () => {
    const res = await request(app)
      .post('/api/v1/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(2000) }));
    expectProblem(res, 413, 'payload_too_large');
  });

  it('keeps a sane incoming X-Request-Id and replaces an unsafe one', async () => {
    const ok = await request(app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const bad = await request(app).get('/healthz').set('X-Request-Id', 'evil\tvalue with spaces');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and hides the framework', async () => {
    const res = await request(app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('serves an OpenAPI 3.1 document that validates', async () => {
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });

  it('serves the site icon as /favicon.ico and /favicon.svg, cached', async () => {
    const ico = await request(app).get('/favicon.ico').buffer(true);
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toBe('image/x-icon');
    expect(ico.headers['cache-control']).toMatch(/^public, max-age=\d{4,}$/);
    const body = ico.body as Buffer;
    // ICONDIR: reserved 0, type 1 (icon), two images, each a PNG
    expect([body.readUInt16LE(0), body.readUInt16LE(2), body.readUInt16LE(4)]).toEqual([0, 1, 2]);
    expect(body.subarray(body.readUInt32LE(6 + 12), body.readUInt32LE(6 + 12) + 4).toString('latin1')).toBe('\x89PNG');
    const svg = await request(app).get('/favicon.svg');
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.headers['cache-control']).toBe(ico.headers['cache-control']);
    const again = await request(app).get('/favicon.ico').set('If-None-Match', ico.headers.etag);
    expect(again.status).toBe(304);
  });

  it('serves Swagger UI and its assets from the package, pointed at our document', async () => {
    const page = await request(app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    const init = await request(app).get('/docs/swagger-initializer.js');
    expect(init.text).toContain("url: '/openapi.json'");
    const bundle = await request(app).get('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
  });
});

describe('readiness when Redis is unreachable', () => {
  it('answers /readyz 503 naming the failed dependency while /healthz stays 200', async () => {
    const base = await createTestContext();
    // same database, Redis on a port where nothing listens
    const ctx = await createContext(loadConfig(testEnv(base.db, { REDIS_URL: 'redis://127.0.0.1:1' })), { service: 'test' });
    try {
      const app = buildApp(ctx);
      expect((await request(app).get('/healthz')).status).toBe(200);
      const res = await request(app).get('/readyz');
      expectProblem(res, 503, 'not_ready');
      expect(res.body.checks.database).toBe('ok');
      expect(res.body.checks.redis).toMatch(/^error: /);
      // requests that need Redis get a 503 problem, not a 500
      const login = await request(app).post('/api/v1/auth/login').send({ name: 'someone', password: 'Str0ng!pass' });
      expectProblem(login, 503, 'dependency_unavailable');
      const me = await request(app).get('/api/v1/users/me').set('Authorization', 'Bearer x.y.z');
      expect(me.status).toBe(401); // a malformed token is refused before Redis is asked
    } finally {
      await ctx.close();
      await base.cleanup();
    }
  });
});
