import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import type { ApiRouter } from '../http/api.js';
import { clientMeta } from '../http/request-id.js';
import { newUserSchema, staffRoles } from './schemas.js';
import { updateMeSchema } from './service.js';

const userSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'joinDate'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    email: { type: 'string' },
    role: { enum: ['user', 'admin', 'superuser'] },
    joinDate: { type: 'string', format: 'date-time' },
    updateDate: { type: 'string', format: 'date-time' },
    isBanned: { type: 'boolean' },
    bannedAt: { type: ['string', 'null'], format: 'date-time' },
    banReason: { type: ['string', 'null'] },
  },
};
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } };
const id = (req: Request) => (req.params as unknown as { id: number }).id;

export function registerUserRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { users, auth } = ctx.services;

  api.route(
    { method: 'post', path: '/users', operationId: 'signUp', summary: 'Create an account', tags: ['users'], body: newUserSchema, responses: { 201: { description: 'Created', schema: userSchema } } },
    async (req, res) => {
      const user = await users.create(req.body as { name: string; email: string; password: string });
      res.status(201).location(`/api/v1/users/${user.id}`).json(user);
    },
  );

  api.route(
    { method: 'get', path: '/users/me', operationId: 'getMe', summary: 'My account', tags: ['users'], auth: true, responses: { 200: { description: 'Me', schema: userSchema } } },
    guards.requireAuth,
    async (req, res) => res.json(await users.me(req.user!)),
  );

  api.route(
    {
      method: 'patch',
      path: '/users/me',
      operationId: 'updateMe',
      summary: 'Change name, email or password (email and password need currentPassword); a new password ends every session',
      tags: ['users'],
      auth: true,
      body: updateMeSchema,
      responses: { 200: { description: 'Updated', schema: userSchema } },
    },
    guards.requireAuth,
    async (req, res) => res.json(await users.updateMe(req.user!, req.body as Parameters<typeof users.updateMe>[1])),
  );

  api.route(
    {
      method: 'delete',
      path: '/users/me',
      operationId: 'deleteMe',
      summary: 'Close my account (soft delete: posts stay, shown as a deleted user)',
      tags: ['users'],
      auth: true,
      body: { type: 'object', additionalProperties: false, required: ['password'], properties: { password: { type: 'string', minLength: 1, maxLength: 128 } } },
      responses: { 204: { description: 'Closed' } },
    },
    guards.requireAuth,
    async (req, res) => {
      await users.deleteMe(req.user!, (req.body as { password: string }).password);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/users/me/boards',
      operationId: 'getMyBoards',
      summary: 'Boards I may read and write, and why (public, granted, admin)',
      tags: ['users'],
      auth: true,
      responses: { 200: { description: 'Boards', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array' } } } } },
    },
    guards.requireAuth,
    async (req, res) => res.json({ items: await users.readableBoards(req.user!) }),
  );

  api.route(
    { method: 'get', path: '/users/:id', operationId: 'getUser', summary: 'A public profile (the full record for admins)', tags: ['users'], auth: true, params: idParams, responses: { 200: { description: 'User', schema: userSchema } } },
    guards.requireAuth,
    async (req, res) => res.json(await users.profile(req.user!, id(req))),
  );

  api.route(
    {
      method: 'post',
      path: '/users/:id/ban',
      operationId: 'banUser',
      summary: 'Ban a member (admin): no more logins, every token revoked at once',
      tags: ['users'],
      auth: true,
      params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 512, pattern: '\\S' } } },
      responses: { 200: { description: 'Banned', schema: userSchema } },
    },
    ...guards.requireRole(...staffRoles),
    async (req, res) => res.json(await users.setBanned(req.user!, id(req), true, (req.body as { reason: string }).reason)),
  );

  api.route(
    { method: 'delete', path: '/users/:id/ban', operationId: 'unbanUser', summary: 'Lift a ban (admin)', tags: ['users'], auth: true, params: idParams, responses: { 200: { description: 'Unbanned', schema: userSchema } } },
    ...guards.requireRole(...staffRoles),
    async (req, res) => res.json(await users.setBanned(req.user!, id(req), false)),
  );

  api.route(
    {
      method: 'put',
      path: '/users/:id/role',
      operationId: 'setUserRole',
      summary: "Change a member's role to user or admin (superuser); their access tokens are revoked",
      tags: ['users'],
      auth: true,
      params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['role'], properties: { role: { enum: ['user', 'admin'] } } },
      responses: { 200: { description: 'Updated', schema: userSchema } },
    },
    ...guards.requireRole('superuser'),
    async (req, res) => res.json(await users.setRole(req.user!, id(req), (req.body as { role: 'user' | 'admin' }).role)),
  );

  api.route(
    {
      method: 'post',
      path: '/users/:id/password-reset',
      operationId: 'forcePasswordReset',
      summary: 'Send the member a password reset mail (admin)',
      tags: ['users'],
      auth: true,
      params: idParams,
      responses: { 202: { description: 'Mail sent' } },
    },
    ...guards.requireRole(...staffRoles),
    async (req, res) => {
      await auth.forcePasswordReset(req.user!, id(req), clientMeta(req));
      res.status(202).json({ status: 'accepted' });
    },
  );
}
