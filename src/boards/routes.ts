import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import type { ApiRouter } from '../http/api.js';
import { boardCreateBody, boardGrantsBody, boardPatchBody } from './schemas.js';
import type { BoardInput, BoardPatch } from './service.js';

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
};
const boardParams = { type: 'object', required: ['boardId'], properties: { boardId: { type: 'integer', minimum: 1 } } };
const boardId = (req: Request) => (req.params as unknown as { boardId: number }).boardId;

export function registerBoardRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { boards } = ctx.services;
  const read = guards.readAuth(ctx.config.anonymousRead);
  const viewer = (req: Request) => req.user ?? null;

  api.route(
    {
      method: 'get',
      path: '/boards',
      operationId: 'listBoards',
      summary: 'The boards the caller may read',
      tags: ['boards'],
      auth: true,
      responses: { 200: { description: 'Boards', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: boardSchema } } } } },
    },
    read,
    async (req, res) => res.json({ items: await boards.list(viewer(req)) }),
  );

  api.route(
    {
      method: 'post',
      path: '/boards',
      operationId: 'createBoard',
      permission: 'board.manage',
      summary: 'Create a board (admin); a hidden one may name the users granted at once',
      tags: ['boards'],
      auth: true,
      body: boardCreateBody,
      responses: { 201: { description: 'Created', schema: boardSchema } },
    },
    guards.requireAuth,
    async (req, res) => {
      const board = await boards.create(viewer(req), req.body as BoardInput);
      res.status(201).location(`/api/v1/boards/${board.id}`).json(board);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/boards/:boardId',
      operationId: 'getBoard',
      summary: 'A board (404 when the caller may not read it)',
      tags: ['boards'],
      auth: true,
      params: boardParams,
      responses: { 200: { description: 'Board', schema: boardSchema } },
    },
    read,
    async (req, res) => res.json(await boards.get(viewer(req), boardId(req))),
  );

  api.route(
    {
      method: 'patch',
      path: '/boards/:boardId',
      operationId: 'updateBoard',
      permission: 'board.manage',
      summary: 'Edit, hide/show or disable a board (admin). Hiding grants it to the admins and `userIds`; showing deletes its grants',
      tags: ['boards'],
      auth: true,
      params: boardParams,
      body: boardPatchBody,
      responses: { 200: { description: 'Updated', schema: boardSchema } },
    },
    guards.requireAuth,
    async (req, res) => res.json(await boards.update(viewer(req), boardId(req), req.body as BoardPatch)),
  );

  api.route(
    {
      method: 'delete',
      path: '/boards/:boardId',
      operationId: 'deleteBoard',
      permission: 'board.manage',
      summary: 'Delete a board and everything on it (admin)',
      tags: ['boards'],
      auth: true,
      params: boardParams,
      responses: { 204: { description: 'Deleted' } },
    },
    guards.requireAuth,
    async (req, res) => {
      await boards.remove(viewer(req), boardId(req));
      res.status(204).end();
    },
  );

  const grantsSchema = { type: 'object', required: ['userIds'], properties: { userIds: { type: 'array', items: { type: 'integer' } } } };
  api.route(
    {
      method: 'get',
      path: '/boards/:boardId/grants',
      operationId: 'getBoardGrants',
      permission: 'board.manage',
      summary: 'Who holds a grant (admin)',
      tags: ['boards'],
      auth: true,
      params: boardParams,
      responses: { 200: { description: 'Grants', schema: grantsSchema } },
    },
    guards.requireAuth,
    async (req, res) => res.json(await boards.grants(viewer(req), boardId(req))),
  );

  api.route(
    {
      method: 'put',
      path: '/boards/:boardId/grants',
      operationId: 'setBoardGrants',
      permission: 'board.manage',
      summary: 'Set exactly who holds a grant (admin)',
      tags: ['boards'],
      auth: true,
      params: boardParams,
      body: boardGrantsBody,
      responses: { 200: { description: 'Grants', schema: grantsSchema } },
    },
    guards.requireAuth,
    async (req, res) => res.json(await boards.setGrants(viewer(req), boardId(req), (req.body as { userIds: number[] }).userIds)),
  );
}
