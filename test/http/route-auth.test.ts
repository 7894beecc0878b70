// The route registry against enforcement: every operation the document says needs a bearer token answers an
// anonymous request with 401 `unauthorized`, whatever its input, and every operation it says is open to
// anonymous callers lets them past the token guard. Both with ANONYMOUS_READ on and off (it turns `auth: optional` routes into required ones).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
}
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Each operation with a concrete path: every path parameter 1 (or p1 for a file id). */
function operations(doc: Doc): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method, path: template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'fileId' ? 'p1' : '1')), op })),
  );
}

const needsToken = (op: Operation) => op.security !== undefined && op.security.every((s) => 'bearerAuth' in s);

describe.each([true, false])('route registry, ANONYMOUS_READ=%s', (anonymousRead) => {
  let t: TestContext;
  let app: Express;
  let doc: Doc;

  beforeAll(async () => {
    t = await createTestContext({ ANONYMOUS_READ: String(anonymousRead) });
    app = buildApp(t.ctx);
    doc = (await request(app).get('/openapi.json')).body as Doc;
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('answers 401 to an anonymous call of every operation that needs a token', async () => {
    const required = operations(doc).filter(({ op }) => needsToken(op));
    expect(required.length).toBeGreaterThan(30);
    const answers: Record<string, string> = {};
    for (const { method, path, op } of required) {
      const res = await request(app)[method as 'get'](path).send({});
      answers[op.operationId] = `${res.status} ${(res.body as { code?: string }).code}`;
    }
    expect(answers).toEqual(Object.fromEntries(required.map(({ op }) => [op.operationId, '401 unauthorized'])));
  });

  it('lets anonymous callers through on every operation documented as open to them', async () => {
    const open = operations(doc).filter(({ op }) => !needsToken(op));
    expect(open.length).toBeGreaterThan(3);
    const refused: string[] = [];
    for (const { method, path, op } of open) {
      const res = await request(app)[method as 'get'](path).send({});
      // (the refresh endpoint's own credential is its cookie: without it, 401 with a code of its own)
      if (res.status === 401 && (res.body as { code?: string }).code === 'unauthorized') refused.push(op.operationId);
    }
    expect(refused).toEqual([]);
    // the reads follow ANONYMOUS_READ
    expect(open.some(({ op }) => op.operationId === 'listBoards')).toBe(anonymousRead);
  });
});
