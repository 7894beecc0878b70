import type { Context } from '../context.js';
import { created, noContent, ok, type ApiRouter } from '../http/api.js';
import { postBody, postPatchBody } from './schemas.js';
import { pageSchema, paginationQuery } from '../http/pagination.js';
import { authorSchema as author } from '../users/schemas.js';
import { filesSchema, uploadErrors } from '../files/schemas.js';

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
    likedByMe: { type: 'boolean', description: 'whether the signed-in reader liked it; left out for anonymous readers' },
  },
};
const likedPost = {
  ...postListItem,
  properties: { ...postListItem.properties, likedAt: { type: 'string', format: 'date-time', description: 'when I liked it' } },
};
const postSchema = {
  ...postListItem,
  properties: {
    ...postListItem.properties,
    content: { type: 'string' },
    files: filesSchema,
  },
};
const int = { type: 'integer', minimum: 1 } as const;
const boardParams = { type: 'object', required: ['boardId'], properties: { boardId: int } } as const;
const postParams = { type: 'object', required: ['boardId', 'postId'], properties: { boardId: int, postId: int } } as const;
const postIdParams = { type: 'object', required: ['postId'], properties: { postId: int } } as const;

export function registerPostRoutes(api: ApiRouter, ctx: Context): void {
  const { posts } = ctx.services;

  api
    .route({
      method: 'get',
      path: '/boards/:boardId/posts',
      operationId: 'listPosts',
      summary: 'Posts of a board: newest first or by views/likes/comments; keyset (`cursor`) or `page`; `q` searches titles',
      tags: ['posts'],
      auth: 'optional',
      params: boardParams,
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { ...paginationQuery, sort: { enum: ['new', 'views', 'likes', 'comments'], default: 'new' }, q: { type: 'string', minLength: 1, maxLength: 64 } },
      },
      responses: { 200: { description: 'A page of posts (no content)', schema: pageSchema(postListItem) } },
    })
    .handle(async ({ viewer, params, query }) => ok(await posts.list(viewer, params.boardId, query)));

  api
    .route({
      method: 'post',
      path: '/boards/:boardId/posts',
      operationId: 'createPost',
      summary: 'Write a post: JSON, or multipart/form-data with `name`, `content` and files in `files` (all stored or none)',
      tags: ['posts'],
      auth: 'required',
      params: boardParams,
      body: postBody,
      idempotent: true,
      multipart: { fileField: 'files' },
      responses: { 201: { description: 'Created', schema: postSchema }, ...uploadErrors },
    })
    .handle(
      async ({ viewer, params, body, files }) => {
        const post = await posts.create(viewer, params.boardId, body, files);
        return created(`/boards/${post.boardId}/posts/${post.id}`, post);
      },
      // the write rule first: a request that may not post stores nothing
      { beforeUpload: ({ viewer, params }) => posts.requireWrite(viewer, params.boardId) },
    );

  api
    .route({
      method: 'get',
      path: '/boards/:boardId/posts/:postId',
      operationId: 'getPost',
      summary: 'A post with its content',
      tags: ['posts'],
      auth: 'optional',
      params: postParams,
      responses: { 200: { description: 'Post', schema: postSchema } },
    })
    .handle(async ({ viewer, params, req }) => ok(await posts.get(viewer, params.boardId, params.postId, viewer ? `user:${viewer.id}` : `ip:${req.ip ?? 'unknown'}`)));

  api
    .route({
      method: 'patch',
      path: '/boards/:boardId/posts/:postId',
      operationId: 'updatePost',
      summary: 'Edit a post (author or moderator); moderators may hide or show it',
      tags: ['posts'],
      auth: 'required',
      params: postParams,
      body: postPatchBody,
      responses: { 200: { description: 'Updated', schema: postSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await posts.update(viewer, params.boardId, params.postId, body)));

  api
    .route({
      method: 'delete',
      path: '/boards/:boardId/posts/:postId',
      operationId: 'deletePost',
      summary: 'Delete a post (author or moderator)',
      tags: ['posts'],
      auth: 'required',
      params: postParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await posts.remove(viewer, params.boardId, params.postId);
      return noContent();
    });

  api
    .route({
      method: 'get',
      path: '/users/me/likes',
      operationId: 'listMyLikes',
      summary: 'Posts I liked, the latest like first (keyset by `cursor`); posts I may no longer read are left out',
      tags: ['posts'],
      auth: 'required',
      query: { type: 'object', additionalProperties: false, properties: { limit: paginationQuery.limit, cursor: paginationQuery.cursor } },
      responses: { 200: { description: 'A page of liked posts (no content)', schema: pageSchema(likedPost) } },
    })
    .handle(async ({ viewer, query }) => ok(await posts.likedBy(viewer, query)));

  const likeSchema = { type: 'object', properties: { postId: { type: 'integer' }, liked: { type: 'boolean' }, numberOfLike: { type: 'integer' } } };
  for (const [method, liked] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    api
      .route({
        method,
        path: '/posts/:postId/like',
        operationId: liked ? 'likePost' : 'unlikePost',
        summary: liked ? 'Like a post (idempotent)' : 'Take a like back (idempotent)',
        tags: ['posts'],
        auth: 'required',
        params: postIdParams,
        responses: { 200: { description: 'The like state and count', schema: likeSchema } },
      })
      .handle(async ({ viewer, params }) => ok(await posts.like(viewer, params.postId, liked)));
  }
}
