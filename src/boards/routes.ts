import type { Context } from '../context.js';
import { created, noContent, ok, type ApiRouter } from '../http/api.js';

const boardSchema = {
  type: 'object',
  required: ['id', 'name', 'information', 'isVisible', 'isAvailable'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    information: { type: 'string' },
    isVisible: { type: 'boolean' },
    isAvailable: { type: 'boolean' },
    createDate: { type: 'string', format: 'date-time' },
    updateDate: { type: 'string', format: 'date-time' },
    access: { enum: ['admin', 'public', 'granted'], description: 'why the caller may read it' },
  },
} as const;
const nameSchema = { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S', description: 'name must have a visible character (at most 128)' } as const;
const informationSchema = { type: 'string', maxLength: 512 } as const;
const userIdsSchema = { type: 'array', maxItems: 1000, items: { type: 'integer', minimum: 1 } } as const;
const boardParams = { type: 'object', required: ['boardId'], properties: { boardId: { type: 'integer', minimum: 1 } } } as const;

export function registerBoardRoutes(api: ApiRouter, ctx: Context): void {
  const { boards } = ctx.services;

  api
    .route({
      method: 'get',
      path: '/boards',
      operationId: 'listBoards',
      summary: 'The boards the caller may read',
      tags: ['boards'],
      auth: 'optional',
      responses: { 200: { description: 'Boards', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: boardSchema } } } } },
    })
    .handle(async ({ viewer }) => ok({ items: await boards.list(viewer) }));

  api
    .route({
      method: 'post',
      path: '/boards',
      operationId: 'createBoard',
      summary: 'Create a board (admin); a hidden one may name the users granted at once',
      tags: ['boards'],
      auth: 'required',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: nameSchema, information: informationSchema, isVisible: { type: 'boolean' }, isAvailable: { type: 'boolean' }, userIds: userIdsSchema },
      },
      responses: { 201: { description: 'Created', schema: boardSchema } },
    })
    .handle(async ({ viewer, body }) => {
      const board = await boards.create(viewer, body);
      return created(`/boards/${board.id}`, board);
    });

  api
    .route({
      method: 'get',
      path: '/boards/:boardId',
      operationId: 'getBoard',
      summary: 'A board (404 when the caller may not read it)',
      tags: ['boards'],
      auth: 'optional',
      params: boardParams,
      responses: { 200: { description: 'Board', schema: boardSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await boards.get(viewer, params.boardId)));

  api
    .route({
      method: 'patch',
      path: '/boards/:boardId',
      operationId: 'updateBoard',
      summary: 'Edit, hide/show or disable a board (admin). Hiding grants it to the admins and `userIds`; showing deletes its grants',
      tags: ['boards'],
      auth: 'required',
      params: boardParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { name: nameSchema, information: informationSchema, isVisible: { type: 'boolean' }, isAvailable: { type: 'boolean' }, userIds: userIdsSchema },
      },
      responses: { 200: { description: 'Updated', schema: boardSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await boards.update(viewer, params.boardId, body)));

  api
    .route({
      method: 'delete',
      path: '/boards/:boardId',
      operationId: 'deleteBoard',
      summary: 'Delete a board and everything on it (admin)',
      tags: ['boards'],
      auth: 'required',
      params: boardParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await boards.remove(viewer, params.boardId);
      return noContent();
    });

  const grantsSchema = { type: 'object', required: ['userIds'], properties: { userIds: { type: 'array', items: { type: 'integer' } } } } as const;
  api
    .route({
      method: 'get',
      path: '/boards/:boardId/grants',
      operationId: 'getBoardGrants',
      summary: 'Who holds a grant (admin)',
      tags: ['boards'],
      auth: 'required',
      params: boardParams,
      responses: { 200: { description: 'Grants', schema: grantsSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await boards.grants(viewer, params.boardId)));

  api
    .route({
      method: 'put',
      path: '/boards/:boardId/grants',
      operationId: 'setBoardGrants',
      summary: 'Set exactly who holds a grant (admin)',
      tags: ['boards'],
      auth: 'required',
      params: boardParams,
      body: { type: 'object', additionalProperties: false, required: ['userIds'], properties: { userIds: userIdsSchema } },
      responses: { 200: { description: 'Grants', schema: grantsSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await boards.setGrants(viewer, params.boardId, body.userIds)));
}
