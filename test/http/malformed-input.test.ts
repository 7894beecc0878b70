// Malformed input on the real app gets a 4xx problem naming what is wrong, never a 500: compressed bodies,
// numbers that coerce to Infinity or lie beyond the 32-bit ids, and paths with broken percent-encoding.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { API, expectProblem, login, makeAdmin, signup } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';

describe(`malformed input (${testProvider})`, () => {
  let t: TestContext;
  let app: Express;
  let token: string;
  let boardId: number;
  const get = (path: string) => request(app).get(`${API}${path}`).set('Authorization', `Bearer ${token}`);
  const fieldsOf = (res: request.Response) => (res.body.errors as { field: string; in: string; code: string }[]).map(({ field, in: where, code }) => ({ field, in: where, code }));

  beforeAll(async () => {
    t = await createTestContext();
    app = buildApp(t.ctx);
    const admin = await signup(app, 'adm');
    await makeAdmin(t.ctx, admin);
    token = (await login(app, admin)).access;
    boardId = (
      await request(app)
        .post(`${API}/boards`)
        .set('Authorization', `Bearer ${token}`)
        .send({ name: `b${Date.now()}` })
    ).body.id as number;
  });
  afterAll(() => t.cleanup());

  describe('compressed request bodies are refused (415) before any parser reads them', () => {
    for (const encoding of ['gzip', 'br', 'deflate', 'x-unknown']) {
      it(`Content-Encoding: ${encoding} on a plain JSON body`, async () => {
        const users = await t.ctx.prisma.user.count();
        const name = `enc${encoding.replace(/\W/g, '')}${Date.now()}`;
        const res = await request(app)
          .post(`${API}/users`)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .send(JSON.stringify({ name, email: `${name}@example.com`, password: 'Str0ng!Passw0rd' }));
        expectProblem(res, 415, 'unsupported_content_encoding');
        expect(fieldsOf(res)).toEqual([{ field: 'Content-Encoding', in: 'headers', code: 'unsupported_content_encoding' }]);
        expect(await t.ctx.prisma.user.count()).toBe(users);
      });
    }

    it('Content-Encoding on a multipart upload', async () => {
      const res = await request(app)
        .post(`${API}/boards/${boardId}/posts`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Encoding', 'gzip')
        .field('name', 'n')
        .field('content', 'c')
        .attach('files', Buffer.from('hello'), 'a.txt');
      expectProblem(res, 415, 'unsupported_content_encoding');
      expect(await t.ctx.prisma.post.count({ where: { boardId } })).toBe(0);
    });

    it('identity, or a header on a request without a body, is fine', async () => {
      expect((await get('/boards').set('Content-Encoding', 'gzip')).status).toBe(200);
      const res = await request(app).post(`${API}/auth/login`).set('Content-Type', 'application/json').set('Content-Encoding', 'identity').send('{"name":"nobody_x","password":"x"}');
      expect(res.status).toBe(401);
    });
  });

  describe('numbers: finite, and ids within the 32-bit range of every id column', () => {
    it.each([
      ['/users/1e309', 'id', 'params'],
      ['/users/Infinity', 'id', 'params'],
      ['/users/3000000000', 'id', 'params'],
      ['/boards/99999999999999999999', 'boardId', 'params'],
      ['/boards/1/posts/1e400', 'postId', 'params'],
      ['/comments/-1e309', 'commentId', 'params'],
    ])('%s → 400 naming %s', async (path, field, where) => {
      const res = await get(path);
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual([{ field, in: where, code: 'out_of_range' }]);
    });

    it.each([
      [`/boards/BOARD/posts?limit=1e309`, 'limit'],
      [`/users?limit=1e309`, 'limit'],
      [`/boards/BOARD/posts?page=1e309`, 'page'],
      [`/audit-events?actor=99999999999`, 'actor'],
    ])('%s → 400 naming %s', async (path, field) => {
      const res = await get(path.replace('BOARD', String(boardId)));
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual([{ field, in: 'query', code: 'out_of_range' }]);
    });

    it('a JSON body id beyond the range is a 400 too (nothing written)', async () => {
      const member = await signup(app, 'm');
      const res = await request(app)
        .put(`${API}/users/${member.id}/boards`)
        .set('Authorization', `Bearer ${token}`)
        .send({ boardIds: [boardId, 1e20] });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual([{ field: 'boardIds.1', in: 'body', code: 'out_of_range' }]);
      expect(await t.ctx.prisma.userBoardPermission.count({ where: { userId: member.id } })).toBe(0);
    });

    it('publishes the bound in the OpenAPI document', async () => {
      const doc = (await request(app).get('/openapi.json')).body as { paths: Record<string, Record<string, { parameters: { name: string; schema: object }[] }>> };
      expect(doc.paths['/api/v1/users/{id}'].get.parameters.find((p) => p.name === 'id')!.schema).toEqual({ type: 'integer', minimum: 1, maximum: 2147483647 });
    });
  });

  describe('text: well-formed Unicode only (a lone surrogate fits no database column)', () => {
    it('a JSON string with a lone surrogate is a 400 naming the field, and nothing is written', async () => {
      const boards = await t.ctx.prisma.board.count();
      const board = await request(app)
        .post(`${API}/boards`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .send(`{"name":"lone${Date.now()}","information":"ab\\ud800c"}`);
      expectProblem(board, 400, 'validation_failed');
      expect(fieldsOf(board)).toEqual([{ field: 'information', in: 'body', code: 'invalid_unicode' }]);
      expect(await t.ctx.prisma.board.count()).toBe(boards);
      const loginRes = await request(app).post(`${API}/auth/login`).set('Content-Type', 'application/json').send('{"name":"\\udc00","password":"x"}');
      expectProblem(loginRes, 400, 'validation_failed');
      expect(fieldsOf(loginRes)).toEqual([{ field: 'name', in: 'body', code: 'invalid_unicode' }]);
    });

    it('Hangul, emoji and other well-formed text pass', async () => {
      const name = `한글${Date.now() % 100000}`;
      const res = await request(app).post(`${API}/auth/login`).send({ name, password: '비밀번호😀' });
      expectProblem(res, 401, 'invalid_credentials');
    });
  });

  describe('paths with a malformed percent-encoding', () => {
    it.each(['/users/%ZZ', '/boards/%E0%A4%A', '/comments/%', '/files/p%FF%FE'])('%s → 400 invalid_path', async (path) => {
      const res = await get(path);
      expectProblem(res, 400, 'invalid_path');
      expect(fieldsOf(res)).toEqual([{ field: 'path', in: 'params', code: 'invalid_path' }]);
    });
  });
});
