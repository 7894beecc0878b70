// Shared by the post suites: posts and comments created over the real API, and the counters' ground truth
// read straight from the database.
import { expect } from '@jest/globals';
import type { Express } from 'express';
import type request from 'supertest';
import type { TestContext } from '../helpers/context.js';
import { call, type Actor } from '../boards/setup.js';

export interface Author {
  id: number;
  name: string;
}

export interface PostItem {
  id: number;
  boardId: number;
  name: string;
  author: Author;
  createDate: string;
  updateDate: string;
  numberOfView: number;
  numberOfComment: number;
  numberOfLike: number;
  isFileAttached: boolean;
  isVisible: boolean;
  content?: string;
  files?: unknown[];
}

export interface CommentItem {
  id: number;
  postId: number;
  content: string;
  author: Author;
  createDate: string;
  updateDate: string;
  isFileAttached: boolean;
  isVisible: boolean;
}

export interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
  page?: number;
}

export const errorsOf = (res: request.Response) => (res.body.errors ?? []) as { field: string; in?: string; code: string }[];
export const fieldsOf = (res: request.Response) => errorsOf(res).map((e) => e.field);

/** Writes a post through the API as `who` and checks the 201. */
export async function createPost(app: Express, who: Actor, boardId: number, body: { name?: string; content?: string } = {}): Promise<PostItem> {
  const res = await call(app, who, 'post', `/boards/${boardId}/posts`, { name: 'a post', content: 'some content', ...body });
  expect(res.status).toBe(201);
  return res.body as PostItem;
}

/** Writes a comment through the API as `who` and checks the 201. */
export async function createComment(app: Express, who: Actor, postId: number, content = 'a comment'): Promise<CommentItem> {
  const res = await call(app, who, 'post', `/posts/${postId}/comments`, { content });
  expect(res.status).toBe(201);
  return res.body as CommentItem;
}

/** The stored counters of a post next to what they count: its like rows and its visible comments. */
export async function countersOf(t: TestContext, postId: number) {
  const prisma = t.ctx.prisma;
  const post = await prisma.post.findUniqueOrThrow({ where: { id: postId }, select: { numberOfLike: true, numberOfComment: true } });
  const [likes, visibleComments] = await Promise.all([prisma.postLike.count({ where: { postId } }), prisma.comment.count({ where: { postId, isVisible: true } })]);
  return { numberOfLike: post.numberOfLike, likes, numberOfComment: post.numberOfComment, visibleComments };
}

/** Asserts numberOfLike and numberOfComment equal the rows they count (database and API agree too). */
export async function expectCountersExact(t: TestContext, app: Express, staff: Actor, post: { id: number; boardId: number }) {
  const c = await countersOf(t, post.id);
  expect({ numberOfLike: c.numberOfLike, numberOfComment: c.numberOfComment }).toEqual({ numberOfLike: c.likes, numberOfComment: c.visibleComments });
  const res = await call(app, staff, 'get', `/boards/${post.boardId}/posts/${post.id}`);
  expect(res.status).toBe(200);
  expect({ numberOfLike: res.body.numberOfLike as number, numberOfComment: res.body.numberOfComment as number }).toEqual({ numberOfLike: c.likes, numberOfComment: c.visibleComments });
  return c;
}

/** Follows nextCursor from the first page to the last; fails on a page that repeats or never ends. */
export async function walk<T extends { id: number }>(app: Express, who: Actor, path: string, query: Record<string, string | number>, maxPages = 100): Promise<{ ids: number[]; pages: PageBody<T>[] }> {
  const pages: PageBody<T>[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams(Object.entries({ ...query, ...(cursor ? { cursor } : {}) }).map(([k, v]): [string, string] => [k, String(v)]));
    const res = await call(app, who, 'get', `${path}?${qs.toString()}`);
    expect(res.status).toBe(200);
    const body = res.body as PageBody<T>;
    expect(body.nextCursor === null || typeof body.nextCursor === 'string').toBe(true);
    pages.push(body);
    cursor = body.nextCursor;
    if (pages.length > maxPages) throw new Error(`${path}: more than ${maxPages} pages`);
  } while (cursor);
  return { ids: pages.flatMap((p) => p.items.map((i) => i.id)), pages };
}
