// The comment routes: a post's comments, and one comment by id. Posting with files is a multipart form.
import type { Context } from '../context.js';
import { created, noContent, ok, type ApiRouter } from '../http/api.js';
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
} as const;
const int = { type: 'integer', minimum: 1 } as const;
const postIdParams = { type: 'object', required: ['postId'], properties: { postId: int } } as const;
const commentParams = { type: 'object', required: ['commentId'], properties: { commentId: int } } as const;

export function registerCommentRoutes(api: ApiRouter, ctx: Context): void {
  const { comments } = ctx.services;

  api
    .route({
      method: 'get',
      path: '/posts/:postId/comments',
      operationId: 'listComments',
      summary: 'Comments of a post, oldest first',
      tags: ['comments'],
      auth: 'optional',
      params: postIdParams,
      query: { type: 'object', additionalProperties: false, properties: paginationQuery },
      responses: { 200: { description: 'A page of comments', schema: pageSchema(commentSchema) } },
    })
    .handle(async ({ viewer, params, query }) => ok(await comments.list(viewer, params.postId, query)));

  api
    .route({
      method: 'post',
      path: '/posts/:postId/comments',
      operationId: 'createComment',
      summary: 'Comment on a post: JSON, or multipart/form-data with `content` and files in `files` (all stored or none)',
      tags: ['comments'],
      auth: 'required',
      params: postIdParams,
      body: commentBody,
      idempotent: true,
      multipart: { fileField: 'files' },
      responses: { 201: { description: 'Created', schema: commentSchema }, ...uploadErrors },
    })
    .handle(
      async ({ viewer, params, body, files }) => {
        const comment = await comments.create(viewer, params.postId, body.content, files);
        return created(`/comments/${comment.id}`, comment);
      },
      // the write rule first: a request that may not comment stores nothing
      { beforeUpload: ({ viewer, params }) => comments.requireWrite(viewer, params.postId) },
    );

  api
    .route({
      method: 'get',
      path: '/comments/:commentId',
      operationId: 'getComment',
      summary: 'A comment',
      tags: ['comments'],
      auth: 'optional',
      params: commentParams,
      responses: { 200: { description: 'Comment', schema: commentSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await comments.get(viewer, params.commentId)));

  api
    .route({
      method: 'patch',
      path: '/comments/:commentId',
      operationId: 'updateComment',
      summary: 'Edit a comment (author or moderator); moderators may hide or show it',
      tags: ['comments'],
      auth: 'required',
      params: commentParams,
      body: commentPatchBody,
      responses: { 200: { description: 'Updated', schema: commentSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await comments.update(viewer, params.commentId, body)));

  api
    .route({
      method: 'delete',
      path: '/comments/:commentId',
      operationId: 'deleteComment',
      summary: 'Delete a comment (author or moderator)',
      tags: ['comments'],
      auth: 'required',
      params: commentParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await comments.remove(viewer, params.commentId);
      return noContent();
    });
}
