// Invisible means absent: a post, comment or file on a board the viewer may not read (hidden without a grant,
// or disabled) answers exactly like one that does not exist on that route: same status, same code, same
// problem shape. Error codes must not reveal which ids exist on hidden boards.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type request from 'supertest';
import { actor, call, createBoard, startSuite, type Actor, type Method, type Suite } from '../boards/setup.js';
import { expectProblem } from '../helpers/auth.js';
import { testProvider } from '../helpers/db.js';
import { createComment, createPost } from './helpers.js';

const MISSING = 2_000_000_000;

/** The problem without what necessarily differs between two requests (their URL and request id). */
const shape = (res: request.Response) => {
  const { instance, requestId, ...rest } = res.body as Record<string, unknown>;
  return { status: res.status, contentType: res.headers['content-type'], keys: Object.keys(res.body as object).sort(), instance: typeof instance, requestId: typeof requestId, ...rest };
};

describe(`invisible means absent (${testProvider})`, () => {
  let s: Suite;
  let app: Express;
  let admin: Actor;
  let owner: Actor;
  let outsider: Actor;
  let ids: Record<'hidden' | 'disabled', { boardId: number; postId: number; commentId: number; postFile: string; commentFile: string }>;

  beforeAll(async () => {
    s = await startSuite();
    app = s.app;
    admin = await actor(s.t, app, 'admin');
    owner = await actor(s.t, app);
    outsider = await actor(s.t, app);
    const make = async (flags: { isVisible?: boolean; isAvailable?: boolean }) => {
      const board = await createBoard(app, admin, { ...flags, userIds: flags.isVisible === false ? [owner.id] : [] });
      const post = await createPost(app, admin, board.id);
      const comment = await createComment(app, admin, post.id);
      const withFile = await call(app, admin, 'post', `/boards/${board.id}/posts`).field('name', 'with a file').field('content', 'c').attach('files', Buffer.from('hello there'), 'hello.txt');
      expect(withFile.status).toBe(201);
      const commented = await call(app, admin, 'post', `/posts/${post.id}/comments`).field('content', 'with a file').attach('files', Buffer.from('hi'), 'hi.txt');
      expect(commented.status).toBe(201);
      return { boardId: board.id, postId: post.id, commentId: comment.id, postFile: withFile.body.files[0].id as string, commentFile: commented.body.files[0].id as string };
    };
    ids = { hidden: await make({ isVisible: false }), disabled: await make({ isAvailable: false }) };
  }, 60_000);

  afterAll(() => s.t.cleanup());

  type Case = [label: string, method: Method, path: (x: (typeof ids)['hidden'] | null) => string, code: string, body: object | null];
  const cases: Case[] = [
    ['GET /files/p<id>', 'get', (x) => `/files/${x ? x.postFile : `p${MISSING}`}`, 'file_not_found', null],
    ['GET /files/c<id>', 'get', (x) => `/files/${x ? x.commentFile : `c${MISSING}`}`, 'file_not_found', null],
    ['GET /comments/:id', 'get', (x) => `/comments/${x ? x.commentId : MISSING}`, 'comment_not_found', null],
    ['PATCH /comments/:id', 'patch', (x) => `/comments/${x ? x.commentId : MISSING}`, 'comment_not_found', { content: 'x' }],
    ['DELETE /comments/:id', 'delete', (x) => `/comments/${x ? x.commentId : MISSING}`, 'comment_not_found', null],
    ['GET /posts/:id/comments', 'get', (x) => `/posts/${x ? x.postId : MISSING}/comments`, 'post_not_found', null],
    ['POST /posts/:id/comments', 'post', (x) => `/posts/${x ? x.postId : MISSING}/comments`, 'post_not_found', { content: 'x' }],
    ['PUT /posts/:id/like', 'put', (x) => `/posts/${x ? x.postId : MISSING}/like`, 'post_not_found', null],
    ['DELETE /posts/:id/like', 'delete', (x) => `/posts/${x ? x.postId : MISSING}/like`, 'post_not_found', null],
    ['GET /boards/:b/posts/:p', 'get', (x) => (x ? `/boards/${x.boardId}/posts/${x.postId}` : `/boards/${MISSING}/posts/${MISSING}`), 'post_not_found', null],
  ];

  describe.each(['hidden', 'disabled'] as const)('on a %s board', (kind) => {
    it.each(cases)('%s: the same 404 as a missing one', async (_label, method, path, code, body) => {
      const before = { comments: await s.t.ctx.prisma.comment.count(), likes: await s.t.ctx.prisma.postLike.count() };
      const invisible = await call(app, outsider, method, path(ids[kind]), body ?? undefined);
      const missing = await call(app, outsider, method, path(null), body ?? undefined);
      expectProblem(invisible, 404, code);
      expectProblem(missing, 404, code);
      expect(shape(invisible)).toEqual(shape(missing));
      expect({ comments: await s.t.ctx.prisma.comment.count(), likes: await s.t.ctx.prisma.postLike.count() }).toEqual(before);
    });
  });

  it('a grant holder still reads and writes on the hidden board, and staff everywhere', async () => {
    const x = ids.hidden;
    expect((await call(app, owner, 'get', `/files/${x.postFile}`)).status).toBe(200);
    expect((await call(app, owner, 'get', `/comments/${x.commentId}`)).status).toBe(200);
    expect((await call(app, owner, 'put', `/posts/${x.postId}/like`)).status).toBe(200);
    expect((await call(app, admin, 'get', `/files/${ids.disabled.commentFile}`)).status).toBe(200);
    expect((await call(app, admin, 'get', `/posts/${ids.disabled.postId}/comments`)).status).toBe(200);
  });
});
