// Property-based fuzzing of the whole REST API, driven by the OpenAPI document the app serves: every
// operation as an anonymous visitor, a member and an admin, first with openapi-sampler's example, then with
// fast-check's schema-valid and mutated inputs (wrong types, huge and non-finite numbers, malformed
// percent-encoding, unicode and null bytes, compressed bodies, wrong content types, missing and extra fields).
// Every answer must be: no 5xx; every error problem+json with a `code`; every 2xx documented, and its JSON body
// valid against its schema. In `npm test` it runs a fixed seed within a bounded budget; `npm run fuzz` runs it
// longer with a random seed (FUZZ_SEED, FUZZ_RUNS, FUZZ_TIME_MS replay or extend a run).
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { login, makeAdmin, signup } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { closeAgent, gzip, makeJudge, operationsOf, send, type Operation, type RawRequest, type RawResponse } from './client.js';
import { example, hostileScalar, hostileSegment, mutateObject, valid, type Schema } from './inputs.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 190419;
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 30_000);

type Role = 'anonymous' | 'member' | 'admin';
const ROLES: Role[] = ['anonymous', 'member', 'admin'];

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const CSV = Buffer.from('x0,x1,y\n1,2,3\n2,3,5\n3,5,8\n4,1,5\n5,2,7\n');

interface Built {
  role: Role;
  req: RawRequest;
}

interface Failure {
  problem: string;
  role: Role;
  req: RawRequest;
  res: RawResponse;
}

/** Percent-encodes the UTF-8 bytes of a value (a lone surrogate becomes U+FFFD, as any client would send it). */
const encodeValue = (v: unknown) =>
  [...Buffer.from(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'), 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');

function queryString(pairs: [string, string][]): string {
  return pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
}

function multipart(fields: Record<string, unknown>, fileField: string | null, file: Buffer, fileName: string): { type: string; body: Buffer } {
  const boundary = `fuzz${Math.random().toString(36).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${typeof item === 'string' ? item : JSON.stringify(item)}\r\n`));
    }
  }
  if (fileField)
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

/** The body of a request, as one of the document's content types, possibly mutated. */
function bodyArb(op: Operation, doc: object): fc.Arbitrary<{ headers: Record<string, string>; body?: Buffer }> {
  const content = op.body?.content ?? { 'application/json': { type: 'object' } };
  const jsonSchema = content['application/json'];
  const json = fc.oneof(
    { weight: 4, arbitrary: valid(jsonSchema) },
    { weight: 1, arbitrary: fc.constant(example(jsonSchema, doc) ?? {}) },
    { weight: 3, arbitrary: valid(jsonSchema).chain(mutateObject) },
  );
  const asJson = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');
  const variants: fc.Arbitrary<{ headers: Record<string, string>; body?: Buffer }>[] = [
    json.map((v) => ({ headers: { 'content-type': 'application/json' }, body: asJson(v) })),
    json.map((v) => ({ headers: { 'content-type': 'application/json' }, body: asJson(v) })),
    json.map((v) => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(v ?? null).replace(/(:)(-?\d+(\.\d+)?)/, '$11e400')) })),
    json.map((v) => ({ headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzip(asJson(v)) })),
    json.map((v) => ({ headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: asJson(v) })),
    json.map((v) => ({ headers: { 'content-type': 'text/plain' }, body: asJson(v) })),
    fc
      .constantFrom('application/xml', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json')
      .chain((type) => json.map((v) => ({ headers: { 'content-type': type }, body: asJson(v) }))),
    fc
      .constantFrom('{"a":', '[', 'nul', '\u0000', '{"a":"\\ud800"}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', '')
      .map((t) => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(t) })),
    fc.constant({ headers: {} }),
  ];
  const form = content['multipart/form-data'];
  if (form) {
    const props = (form.properties ?? {}) as Record<string, Schema>;
    const fileField = Object.entries(props).find(([, s]) => (s.items as Schema | undefined)?.contentMediaType)?.[0] ?? null;
    const fieldsSchema = { ...form, properties: Object.fromEntries(Object.entries(props).filter(([k]) => k !== fileField)) };
    const files = fc.constantFrom<[Buffer, string]>(
      [PNG, 'pixel.png'],
      [CSV, 'data.csv'],
      [Buffer.from('hello 한글'), '한글.txt'],
      [Buffer.alloc(0), 'empty.bin'],
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), '../../x.exe'],
      [Buffer.alloc(300_000, 0x61), 'big.txt'],
    );
    variants.push(
      fc.tuple(fc.oneof(valid(fieldsSchema), valid(fieldsSchema).chain(mutateObject)), fc.boolean(), files).map(([fields, withFile, [file, name]]) => {
        const m = multipart((fields ?? {}) as Record<string, unknown>, withFile ? fileField : null, file, name);
        return { headers: { 'content-type': m.type }, body: m.body };
      }),
    );
  }
  return fc.oneof(...variants);
}

function requestArb(op: Operation, doc: object): fc.Arbitrary<Built> {
  const segment = (s: Schema) => fc.oneof({ weight: 6, arbitrary: valid(s).map(encodeValue) }, { weight: 1, arbitrary: hostileSegment });
  const path = fc.tuple(...op.pathParams.map(([, s]) => segment(s))).map((values) => {
    let p = op.template;
    op.pathParams.forEach(([name], i) => (p = p.replace(`{${name}}`, values[i])));
    return p;
  });
  const queryPair = ([name, s, required]: [string, Schema, boolean]) =>
    fc.oneof(
      { weight: required ? 0 : 3, arbitrary: fc.constant<[string, string][]>([]) },
      { weight: 4, arbitrary: valid(s).map((v): [string, string][] => [[name, encodeValue(v)]]) },
      { weight: 1, arbitrary: hostileScalar.map((v): [string, string][] => [[name, encodeValue(v)]]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<[string, string][]>(
          [[name, '%ZZ']],
          [
            [`${name}[]`, '1'],
            [`${name}[]`, '2'],
          ],
          [[`${name}[a][b]`, '1']],
          [
            [name, '1'],
            [name, '2'],
          ],
          [[name, '']],
        ),
      },
    );
  const query = fc
    .tuple(fc.tuple(...op.queryParams.map(queryPair)), fc.option(fc.constantFrom<[string, string]>(['unknown', '1'], ['__proto__[x]', '1'], ['%00', '%00'])))
    .map(([pairs, extra]) => queryString([...pairs.flat(), ...(extra ? [extra] : [])]));
  type Body = { headers: Record<string, string>; body?: Buffer };
  const none: fc.Arbitrary<Body> = fc.constant({ headers: {} });
  const body: fc.Arbitrary<Body> = op.body || op.method !== 'GET' ? fc.oneof({ weight: op.body ? 9 : 1, arbitrary: bodyArb(op, doc) }, { weight: op.body ? 1 : 9, arbitrary: none }) : none;
  return fc.tuple(fc.constantFrom(...ROLES), path, query, body).map(([role, p, q, b]) => ({ role, req: { method: op.method, path: p + q, headers: b.headers, ...(b.body ? { body: b.body } : {}) } }));
}

const excerpt = (b: Buffer | undefined, n = 300) => (b ? JSON.stringify(b.toString('utf8').slice(0, n)) : '(none)');

describe(`API fuzzing from /openapi.json (${testProvider}; seed ${SEED}, ≤ ${RUNS} runs, ≤ ${TIME_MS} ms)`, () => {
  let t: TestContext;
  let app: Express;
  let server: Server;
  let origin: string;
  let doc: Parameters<typeof operationsOf>[0] & object;
  const tokens: Record<Role, string | null> = { anonymous: null, member: null, admin: null };
  const failures = new Map<string, Failure>();
  const seen = { requests: 0, success: 0, operations: new Set<string>() };

  async function provision(role: Exclude<Role, 'anonymous'>): Promise<void> {
    const user = await signup(app, role === 'admin' ? 'fzadm' : 'fzmem');
    if (role === 'admin') await makeAdmin(t.ctx, user);
    tokens[role] = (await login(app, user)).access;
  }

  /** A token that the fuzzed requests revoked (logout, ban, closing, password change) is replaced. */
  async function stillValid(role: Role): Promise<void> {
    if (role === 'anonymous') return;
    const me = await send(origin, { method: 'GET', path: '/api/v1/users/me', headers: { authorization: `Bearer ${tokens[role]}` } });
    if (me.status !== 200) await provision(role);
  }

  async function run(op: Operation, built: Built, judge: ReturnType<typeof makeJudge>): Promise<void> {
    const token = tokens[built.role];
    const req = { ...built.req, headers: { ...built.req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } };
    let res: RawResponse;
    try {
      res = await send(origin, req);
    } catch (e) {
      res = { status: 599, headers: {}, body: Buffer.from(String((e as Error).message)) };
    }
    seen.requests++;
    seen.operations.add(op.id);
    if (res.status < 300) seen.success++;
    const problem = res.status === 599 ? `no answer: ${res.body.toString()}` : judge(op, res);
    if (problem) {
      const signature = `${op.method} ${op.template} → ${problem.replace(/\(.*$/, '').slice(0, 60)}`;
      if (!failures.has(signature)) failures.set(signature, { problem, role: built.role, req: built.req, res });
    }
    if (res.status === 401 || res.status === 403) await stillValid(built.role);
  }

  beforeAll(async () => {
    t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', LOGIN_RATE_LIMIT_ACCOUNT: '100000', LOG_LEVEL: 'silent' });
    app = buildApp(t.ctx);
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    doc = (await request(app).get('/openapi.json')).body as typeof doc;
    await provision('member');
    await provision('admin');
    // something for the ids to find: boards (public and hidden), a post and a comment with files, a chat, a model
    const as = (role: Role, method: string, path: string, body?: object) =>
      send(origin, {
        method,
        path: `/api/v1${path}`,
        headers: { authorization: `Bearer ${tokens[role]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: Buffer.from(JSON.stringify(body)) } : {}),
      });
    const board = JSON.parse((await as('admin', 'POST', '/boards', { name: 'fuzz public' })).body.toString()) as { id: number };
    await as('admin', 'POST', '/boards', { name: 'fuzz hidden', isVisible: false });
    const post = multipart({ name: 'fuzz post', content: 'with a file' }, 'files', PNG, 'pixel.png');
    const created = await send(origin, { method: 'POST', path: `/api/v1/boards/${board.id}/posts`, headers: { authorization: `Bearer ${tokens.member}`, 'content-type': post.type }, body: post.body });
    const postId = (JSON.parse(created.body.toString()) as { id: number }).id;
    const comment = multipart({ content: 'a comment' }, 'files', Buffer.from('text'), 'a.txt');
    await send(origin, { method: 'POST', path: `/api/v1/posts/${postId}/comments`, headers: { authorization: `Bearer ${tokens.member}`, 'content-type': comment.type }, body: comment.body });
    await as('member', 'POST', '/chat-sessions', { name: 'fuzz chat' });
    const ai = await as('admin', 'POST', '/ais', { name: 'fuzz model', dataset: CSV.toString() });
    const aiId = (JSON.parse(ai.body.toString()) as { id?: number }).id;
    if (aiId) await as('member', 'POST', `/ais/${aiId}/ailogs`, { input: [1, 2] });
  }, 60_000);

  afterAll(async () => {
    closeAgent();
    await new Promise((resolve) => server?.close(resolve));
    await t?.cleanup();
  });

  it(
    'answers every operation, for every role, with documented, well-formed answers and never a 5xx',
    async () => {
      const ops = operationsOf(doc);
      const judge = makeJudge(doc);
      const byId = new Map(ops.map((o) => [o.id, o]));
      // 1. every operation as each role, with openapi-sampler's example (reads first, deletions last)
      const order = (o: Operation) => ({ GET: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 })[o.method] ?? 1;
      for (const op of [...ops].sort((a, b) => order(a) - order(b))) {
        for (const role of ROLES) {
          let path = op.template;
          for (const [name, s] of op.pathParams) path = path.replace(`{${name}}`, encodeValue(example(s, doc) ?? 1));
          const schema = op.body?.content['application/json'];
          const body = schema ? Buffer.from(JSON.stringify(example(schema, doc) ?? {})) : undefined;
          await run(op, { role, req: { method: op.method, path, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body } : {}) } }, judge);
        }
      }
      expect([...seen.operations].sort()).toEqual(ops.map((o) => o.id).sort());
      // 2. fast-check: random operations, roles and inputs
      const arbitrary = fc.constantFrom(...ops.map((o) => o.id)).chain((id) => requestArb(byId.get(id)!, doc).map((b) => [id, b] as const));
      const details = await fc.check(
        fc.asyncProperty(arbitrary, async ([id, built]) => {
          await run(byId.get(id)!, built, judge);
        }),
        { seed: SEED, numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIME_MS)] },
      );
      const report = [...failures.entries()].map(
        ([signature, f]) =>
          `${signature}\n  ${f.problem}\n  as ${f.role}: ${f.req.method} ${f.req.path}\n  headers ${JSON.stringify(f.req.headers)}\n  body ${excerpt(f.req.body)}\n  answer ${f.res.status} ${excerpt(f.res.body)}`,
      );
      if (process.env.FUZZ_RUNS !== undefined || failures.size) {
        console.log(
          `fuzz: seed ${SEED}, ${details.numRuns} random runs${details.interrupted ? ' (time limit reached)' : ''}, ${seen.requests} requests, ${seen.success} answered 2xx, ${failures.size} distinct failures`,
        );
      }
      expect(details.failed).toBe(false);
      expect(report).toEqual([]);
    },
    TIME_MS + 120_000,
  );
});
