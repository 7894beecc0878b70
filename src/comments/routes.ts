// The comment routes: a post's comments, and one comment by id. Posting with files is a multipart form.
import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import { formValidator, type ApiRouter } from '../http/api.js';
import { isMultipart, receiveUpload, type ReceivedFile } from '../files/upload.js';
import { filesSchema, uploadErrors } from '../files/schemas.js';
import { pageSchema, paginationQuery } from '../http/pagination.js';
import { commentBody, commentPatchBody } from './schemas.js';
import { authorSchema as author } from '../users/schemas.js';

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
const int = { type: 'integer', minimum: 1 };
const postIdParams = { type: 'object', required: ['postId'], properties: { postId: int } };
const commentParams = { type: 'object', required: ['commentId'], properties: { commentId: int } };
const p = (req: Request) => req.params as unknown as { postId: number; commentId: number };
const validateCommentForm = formValidator(commentBody);

export function registerCommentRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { comments } = ctx.services;
  const read = guards.readAuth(ctx.config.anonymousRead);
  const viewer = (req: Request) => req.user ?? null;

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
      responses: { 200: { description: 'A page of comments', schema: pageSchema(commentSchema) } },
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
