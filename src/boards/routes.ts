import type { Context } from '../context.js';
import { created, noContent, ok, type ApiRouter } from '../http/api.js';
import { boardCreateBody, boardGrantsBody, boardPatchBody } from './schemas.js';

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
      permission: 'board.manage',
      summary: 'Create a board (admin); a hidden one may name the users granted at once',
      tags: ['boards'],
      auth: 'required',
      body: boardCreateBody,
      idempotent: true,
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
      permission: 'board.manage',
      summary: 'Edit, hide/show or disable a board (admin). Hiding grants it to the admins and `userIds`; showing deletes its grants',
      tags: ['boards'],
      auth: 'required',
      params: boardParams,
      body: boardPatchBody,
      responses: { 200: { description: 'Updated', schema: boardSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await boards.update(viewer, params.boardId, body)));

  api
    .route({
      method: 'delete',
      path: '/boards/:boardId',
      operationId: 'deleteBoard',
      permission: 'board.manage',
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
      permission: 'board.manage',
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
      permission: 'board.manage',
      summary: 'Set exactly who holds a grant (admin); a closed or banned account cannot be given one (400, account_closed or account_banned on userIds)',
      tags: ['boards'],
      auth: 'required',
      params: boardParams,
      body: boardGrantsBody,
      responses: { 200: { description: 'Grants', schema: grantsSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await boards.setGrants(viewer, params.boardId, body.userIds)));
}
