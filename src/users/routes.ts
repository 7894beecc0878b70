import type { Context } from '../context.js';
import { accepted, created, noContent, ok, type ApiRouter } from '../http/api.js';
import { clientMeta } from '../http/request-id.js';
import { paginationQuery } from '../http/pagination.js';
import { createLimiter } from '../http/rate-limit.js';
import { adminUserPatchBody, banBody, locales, newUserSchema, roleBody, updateMeBody } from './schemas.js';

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
    locale: { type: ['string', 'null'], enum: [...locales, null], description: "The admin panel's language (own account only); null: the browser's" },
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

export function registerUserRoutes(api: ApiRouter, ctx: Context): void {
  const { users, auth } = ctx.services;
  const { signupRateLimitPerIp, signupRateWindowSeconds } = ctx.config.auth;
  // every signup costs a password hash: a client address gets a few per window
  const signupPerIp = createLimiter(ctx.redis, { name: 'signup-ip', limit: signupRateLimitPerIp, windowSeconds: signupRateWindowSeconds, key: (req) => `ip:${req.ip ?? 'unknown'}` });

  api
    .route({
      method: 'post',
      path: '/users',
      operationId: 'signUp',
      summary: 'Create an account',
      tags: ['users'],
      auth: 'none',
      before: [signupPerIp],
      body: newUserSchema,
      responses: { 201: { description: 'Created', schema: userSchema } },
    })
    .handle(async ({ body }) => {
      const user = await users.create(body);
      return created(`/users/${user.id}`, user);
    });

  api
    .route({ method: 'get', path: '/users/me', operationId: 'getMe', summary: 'My account', tags: ['users'], auth: 'required', responses: { 200: { description: 'Me', schema: userSchema } } })
    .handle(async ({ viewer }) => ok(await users.me(viewer)));

  api
    .route({
      method: 'patch',
      path: '/users/me',
      operationId: 'updateMe',
      summary: "Change name, email, password (email and password need currentPassword) or the admin panel's language; a new password ends every session",
      tags: ['users'],
      auth: 'required',
      body: updateMeBody,
      responses: { 200: { description: 'Updated', schema: userSchema } },
    })
    .handle(async ({ viewer, body }) => ok(await users.updateMe(viewer, body)));

  api
    .route({
      method: 'delete',
      path: '/users/me',
      operationId: 'deleteMe',
      summary: 'Close my account (soft delete: posts stay, shown as a deleted user)',
      tags: ['users'],
      auth: 'required',
      body: { type: 'object', additionalProperties: false, required: ['password'], properties: { password: { type: 'string', minLength: 1, maxLength: 128 } } },
      responses: { 204: { description: 'Closed' } },
    })
    .handle(async ({ viewer, body }) => {
      await users.deleteMe(viewer, body.password);
      return noContent();
    });

  api
    .route({
      method: 'get',
      path: '/users/me/boards',
      operationId: 'getMyBoards',
      summary: 'Boards I may read and write, and why (public, granted, admin)',
      tags: ['users'],
      auth: 'required',
      responses: { 200: { description: 'Boards', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array' } } } } },
    })
    .handle(async ({ viewer }) => ok({ items: await users.readableBoards(viewer) }));

  api
    .route({
      method: 'get',
      path: '/users/:id',
      operationId: 'getUser',
      summary: 'A public profile (the full record for admins)',
      tags: ['users'],
      auth: 'required',
      params: idParams,
      responses: { 200: { description: 'User', schema: userSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await users.profile(viewer, params.id)));

  // POST and PUT are the same ban (PUT for clients that treat a ban as a state to set)
  for (const [method, operationId, summary] of [
    ['post', 'banUser', 'Ban a member (admin): no more logins, every token revoked at once'],
    ['put', 'putUserBan', 'Ban a member (admin), the same as POST: no more logins, every token revoked at once'],
  ] as const) {
    api
      .route({
        method,
        path: '/users/:id/ban',
        operationId,
        summary,
        tags: ['users'],
        auth: 'required',
        permission: 'user.ban',
        params: idParams,
        body: banBody,
        responses: { 200: { description: 'Banned', schema: userSchema } },
      })
      .handle(async ({ viewer, params, body }) => ok(await users.setBanned(viewer, params.id, true, body.reason)));
  }

  api
    .route({
      method: 'delete',
      path: '/users/:id/ban',
      operationId: 'unbanUser',
      permission: 'user.ban',
      summary: 'Lift a ban (admin)',
      tags: ['users'],
      auth: 'required',
      params: idParams,
      responses: { 200: { description: 'Unbanned', schema: userSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await users.setBanned(viewer, params.id, false)));

  api
    .route({
      method: 'put',
      path: '/users/:id/role',
      operationId: 'setUserRole',
      permission: 'user.setRole',
      summary: "Change a member's role to user or admin (superuser); their access tokens are revoked",
      tags: ['users'],
      auth: 'required',
      params: idParams,
      body: roleBody,
      responses: { 200: { description: 'Updated', schema: userSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await users.setRole(viewer, params.id, body.role)));

  api
    .route({
      method: 'post',
      path: '/users/:id/password-reset',
      operationId: 'forcePasswordReset',
      permission: 'user.forcePasswordReset',
      summary: 'Send the member a password reset mail (admin)',
      tags: ['users'],
      auth: 'required',
      params: idParams,
      responses: { 202: { description: 'Mail sent' } },
    })
    .handle(async ({ viewer, params, req }) => {
      await auth.forcePasswordReset(viewer, params.id, clientMeta(req));
      return accepted({ status: 'accepted' });
    });

  api
    .route({
      method: 'get',
      path: '/users',
      operationId: 'listUsers',
      permission: 'user.list',
      summary: 'Accounts, newest first (admin): filter by name/email (`q`), `role` and `banned`; keyset pages',
      tags: ['users'],
      auth: 'required',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          q: { type: 'string', minLength: 1, maxLength: 256, description: 'part of the name or the email' },
          role: { enum: ['user', 'admin', 'superuser'] },
          banned: { type: 'boolean' },
          limit: paginationQuery.limit,
          cursor: paginationQuery.cursor,
        },
      },
      responses: {
        200: {
          description: 'A page of accounts',
          schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: userSchema }, nextCursor: { type: ['string', 'null'] } } },
        },
      },
    })
    .handle(async ({ viewer, query }) => ok(await users.list(viewer, query)));

  api
    .route({
      method: 'patch',
      path: '/users/:id',
      operationId: 'updateUser',
      permission: 'user.update',
      summary: "Change an account's name, email or role (admin; an admin's account and any role only by a superuser)",
      tags: ['users'],
      auth: 'required',
      params: idParams,
      body: adminUserPatchBody,
      responses: { 200: { description: 'Updated', schema: userSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await users.adminUpdate(viewer, params.id, body)));

  api
    .route({
      method: 'put',
      path: '/users/:id/boards',
      operationId: 'setUserBoards',
      permission: 'board.manage',
      summary: 'Set exactly the boards a member holds a grant for (admin): `{boardIds: [...]}`',
      tags: ['users'],
      auth: 'required',
      params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['boardIds'], properties: { boardIds: { type: 'array', maxItems: 1000, items: { type: 'integer', minimum: 1 } } } },
      responses: { 200: { description: 'The grants now held', schema: { type: 'object', required: ['boardIds'], properties: { boardIds: { type: 'array', items: { type: 'integer' } } } } } },
    })
    .handle(async ({ viewer, params, body }) => ok(await users.setBoards(viewer, params.id, body.boardIds)));
}
