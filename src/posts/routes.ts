import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import { formValidator, type ApiRouter } from '../http/api.js';
import { postBody, postPatchBody } from './schemas.js';
import { isMultipart, receiveUpload, type ReceivedFile } from '../files/upload.js';
import { pageSchema, paginationQuery } from '../http/pagination.js';
import { authorSchema as author } from '../users/schemas.js';
import { filesSchema, uploadErrors } from '../files/schemas.js';
import type { PostListQuery } from './service.js';

const postListItem = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    boardId: { type: 'integer' },
    name: { type: 'string' },
    author,
    createDate: { type: 'string', format: 'date-time' },
    updateDate: { type: 'string', format: 'date-time' },
    numberOfView: { type: 'integer' },
    numberOfComment: { type: 'integer' },
    numberOfLike: { type: 'integer' },
    isFileAttached: { type: 'boolean' },
    isVisible: { type: 'boolean' },
  },
};
const postSchema = {
  ...postListItem,
  properties: {
    ...postListItem.properties,
    content: { type: 'string' },
    files: filesSchema,
  },
};
const int = { type: 'integer', minimum: 1 };
const boardParams = { type: 'object', required: ['boardId'], properties: { boardId: int } };
const postParams = { type: 'object', required: ['boardId', 'postId'], properties: { boardId: int, postId: int } };
const p = (req: Request) => req.params as unknown as { boardId: number; postId: number };
const postIdParams = { type: 'object', required: ['postId'], properties: { postId: int } };

const validatePostForm = formValidator(postBody);

export function registerPostRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { posts } = ctx.services;
  const read = guards.readAuth(ctx.config.anonymousRead);
  const viewer = (req: Request) => req.user ?? null;

  api.route(
    {
      method: 'get',
      path: '/boards/:boardId/posts',
      operationId: 'listPosts',
      summary: 'Posts of a board: newest first or by views/likes/comments; keyset (`cursor`) or `page`; `q` searches titles',
      tags: ['posts'],
      auth: true,
      params: boardParams,
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { ...paginationQuery, sort: { enum: ['new', 'views', 'likes', 'comments'], default: 'new' }, q: { type: 'string', minLength: 1, maxLength: 64 } },
      },
      responses: { 200: { description: 'A page of posts (no content)', schema: pageSchema(postListItem) } },
    },
    read,
    async (req, res) => res.json(await posts.list(viewer(req), p(req).boardId, req.query as unknown as PostListQuery)),
  );

  api.route(
    {
      method: 'post',
      path: '/boards/:boardId/posts',
      operationId: 'createPost',
      summary: 'Write a post: JSON, or multipart/form-data with `name`, `content` and files in `files` (all stored or none)',
      tags: ['posts'],
      auth: true,
      params: boardParams,
      body: postBody,
      multipart: { fileField: 'files' },
      responses: { 201: { description: 'Created', schema: postSchema }, ...uploadErrors },
    },
    guards.requireAuth,
    async (req, res) => {
      let input = req.body as { name: string; content: string };
      let files: ReceivedFile[] = [];
      if (isMultipart(req)) {
        // the write rule first: a request that may not post stores nothing
        await posts.requireWrite(req.user!, p(req).boardId);
        const upload = await receiveUpload(req, ctx.storage, ctx.config.uploads, { validate: validatePostForm });
        input = upload.fields as typeof input;
        files = upload.files;
      }
      const post = await posts.create(viewer(req), p(req).boardId, input, files);
      res.status(201).location(`/api/v1/boards/${post.boardId}/posts/${post.id}`).json(post);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/boards/:boardId/posts/:postId',
      operationId: 'getPost',
      summary: 'A post with its content',
      tags: ['posts'],
      auth: true,
      params: postParams,
      responses: { 200: { description: 'Post', schema: postSchema } },
    },
    read,
    async (req, res) => res.json(await posts.get(viewer(req), p(req).boardId, p(req).postId, req.user ? `user:${req.user.id}` : `ip:${req.ip ?? 'unknown'}`)),
  );

  api.route(
    {
      method: 'patch',
      path: '/boards/:boardId/posts/:postId',
      operationId: 'updatePost',
      summary: 'Edit a post (author or moderator); moderators may hide or show it',
      tags: ['posts'],
      auth: true,
      params: postParams,
      body: postPatchBody,
      responses: { 200: { description: 'Updated', schema: postSchema } },
    },
    guards.requireAuth,
    async (req, res) => res.json(await posts.update(req.user!, p(req).boardId, p(req).postId, req.body as { name?: string; content?: string; isVisible?: boolean })),
  );

  api.route(
    {
      method: 'delete',
      path: '/boards/:boardId/posts/:postId',
      operationId: 'deletePost',
      summary: 'Delete a post (author or moderator)',
      tags: ['posts'],
      auth: true,
      params: postParams,
      responses: { 204: { description: 'Deleted' } },
    },
    guards.requireAuth,
    async (req, res) => {
      await posts.remove(req.user!, p(req).boardId, p(req).postId);
      res.status(204).end();
    },
  );

  const likeSchema = { type: 'object', properties: { postId: { type: 'integer' }, liked: { type: 'boolean' }, numberOfLike: { type: 'integer' } } };
  for (const [method, liked] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    api.route(
      {
        method,
        path: '/posts/:postId/like',
        operationId: liked ? 'likePost' : 'unlikePost',
        summary: liked ? 'Like a post (idempotent)' : 'Take a like back (idempotent)',
        tags: ['posts'],
        auth: true,
        params: postIdParams,
        responses: { 200: { description: 'The like state and count', schema: likeSchema } },
      },
      guards.requireAuth,
      async (req, res) => res.json(await posts.like(req.user!, p(req).postId, liked)),
    );
  }
}
