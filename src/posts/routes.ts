import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { CommentsService } from '../comments/service.js';
import type { Context } from '../context.js';
import { formValidator, type ApiRouter } from '../http/api.js';
import { commentBody, commentPatchBody } from '../comments/schemas.js';
import { postBody, postPatchBody } from './schemas.js';
import { isMultipart, receiveUpload, type ReceivedFile } from '../files/upload.js';
import { paginationQuery } from '../http/pagination.js';
import type { PostListQuery } from './service.js';

const filesSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'public id: p<n> (post file) or c<n> (comment file)' },
      originalName: { type: 'string' },
      size: { type: 'integer' },
      mimeType: { type: 'string', description: 'sniffed from the bytes, not taken from the client' },
      url: { type: 'string', description: 'download URL (GET /api/v1/files/{id})' },
    },
  },
};
const uploadErrors = {
  413: { description: 'A file, the number of files or their total is over the limit (`file_too_large`, `too_many_files`, `upload_too_large`)' },
  415: { description: 'A file type outside the allow-list (`file_type_not_allowed`), or a body neither JSON nor multipart' },
  507: { description: 'The server cannot store files now: its disk is full or read-only (`insufficient_storage`); nothing was stored, retry later' },
};
const author = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } };
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
const commentSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    postId: { type: 'integer' },
    content: { type: 'string' },
    author,
    createDate: { type: 'string', format: 'date-time' },
    updateDate: { type: 'string', format: 'date-time' },
    isFileAttached: { type: 'boolean' },
    isVisible: { type: 'boolean' },
    files: filesSchema,
  },
};
const page = (items: object) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] }, page: { type: 'integer' } },
});
const int = { type: 'integer', minimum: 1 };
const boardParams = { type: 'object', required: ['boardId'], properties: { boardId: int } };
const postParams = { type: 'object', required: ['boardId', 'postId'], properties: { boardId: int, postId: int } };
const postIdParams = { type: 'object', required: ['postId'], properties: { postId: int } };
const commentParams = { type: 'object', required: ['commentId'], properties: { commentId: int } };
const p = (req: Request) => req.params as unknown as { boardId: number; postId: number; commentId: number };

const validatePostForm = formValidator(postBody);
const validateCommentForm = formValidator(commentBody);

export function registerPostRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { posts } = ctx.services;
  const comments: CommentsService = ctx.services.comments;
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
      responses: { 200: { description: 'A page of posts (no content)', schema: page(postListItem) } },
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

  api.route(
    {
      method: 'get',
      path: '/posts/:postId/comments',
      operationId: 'listComments',
      summary: 'Comments of a post, oldest first',
      tags: ['comments'],
      auth: true,
      params: postIdParams,
      query: { type: 'object', additionalProperties: false, properties: paginationQuery },
      responses: { 200: { description: 'A page of comments', schema: page(commentSchema) } },
    },
    read,
    async (req, res) => res.json(await comments.list(viewer(req), p(req).postId, req.query as unknown as { limit: number; cursor?: string; page?: number })),
  );

  api.route(
    {
      method: 'post',
      path: '/posts/:postId/comments',
      operationId: 'createComment',
      summary: 'Comment on a post: JSON, or multipart/form-data with `content` and files in `files` (all stored or none)',
      tags: ['comments'],
      auth: true,
      params: postIdParams,
      body: commentBody,
      multipart: { fileField: 'files' },
      responses: { 201: { description: 'Created', schema: commentSchema }, ...uploadErrors },
    },
    guards.requireAuth,
    async (req, res) => {
      let content = (req.body as { content: string } | undefined)?.content as string;
      let files: ReceivedFile[] = [];
      if (isMultipart(req)) {
        await comments.requireWrite(req.user!, p(req).postId);
        const upload = await receiveUpload(req, ctx.storage, ctx.config.uploads, { validate: validateCommentForm });
        content = upload.fields.content!;
        files = upload.files;
      }
      const comment = await comments.create(req.user!, p(req).postId, content, files);
      res.status(201).location(`/api/v1/comments/${comment.id}`).json(comment);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/comments/:commentId',
      operationId: 'getComment',
      summary: 'A comment',
      tags: ['comments'],
      auth: true,
      params: commentParams,
      responses: { 200: { description: 'Comment', schema: commentSchema } },
    },
    read,
    async (req, res) => res.json(await comments.get(viewer(req), p(req).commentId)),
  );

  api.route(
    {
      method: 'patch',
      path: '/comments/:commentId',
      operationId: 'updateComment',
      summary: 'Edit a comment (author or moderator); moderators may hide or show it',
      tags: ['comments'],
      auth: true,
      params: commentParams,
      body: commentPatchBody,
      responses: { 200: { description: 'Updated', schema: commentSchema } },
    },
    guards.requireAuth,
    async (req, res) => res.json(await comments.update(req.user!, p(req).commentId, req.body as { content?: string; isVisible?: boolean })),
  );

  api.route(
    {
      method: 'delete',
      path: '/comments/:commentId',
      operationId: 'deleteComment',
      summary: 'Delete a comment (author or moderator)',
      tags: ['comments'],
      auth: true,
      params: commentParams,
      responses: { 204: { description: 'Deleted' } },
    },
    guards.requireAuth,
    async (req, res) => {
      await comments.remove(req.user!, p(req).commentId);
      res.status(204).end();
    },
  );
}
