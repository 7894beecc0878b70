import cookieParser from 'cookie-parser';
import type { Response } from 'express';
import type { Context } from '../context.js';
import { accepted, noContent, ok, type ApiRouter } from '../http/api.js';
import { clientMeta } from '../http/request-id.js';
import { createLimiter } from '../http/rate-limit.js';
import { loginBody, passwordResetBody, passwordResetConfirmBody } from './schemas.js';
import { sha256, type IssuedTokens } from './sessions.js';

export const REFRESH_COOKIE = 'agora_refresh';
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

const tokenSchema = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in'],
  properties: { access_token: { type: 'string' }, token_type: { const: 'bearer' }, expires_in: { type: 'integer', description: 'seconds' } },
} as const;

export function registerAuthRoutes(api: ApiRouter, ctx: Context): void {
  const { auth } = ctx.services;
  const cfg = ctx.config.auth;
  const cookieOptions = { httpOnly: true, secure: cfg.cookieSecure, sameSite: 'strict', path: REFRESH_COOKIE_PATH } as const;
  const sendTokens = (res: Response, t: IssuedTokens) => {
    res.cookie(REFRESH_COOKIE, t.refreshToken, { ...cookieOptions, expires: t.refreshExpiresAt });
    return ok({ access_token: t.accessToken, token_type: 'bearer', expires_in: t.expiresIn }, { 'Cache-Control': 'no-store' });
  };
  const cookies = cookieParser();
  // login limits are the service's (shared with the admin panel); reset requests are limited per client
  // address and per email address, known or not (the address is kept hashed)
  const window = cfg.passwordResetRateWindowSeconds;
  const resetPerIp = createLimiter(ctx.redis, { name: 'password-reset-ip', limit: cfg.passwordResetRateLimitPerIp, windowSeconds: window, key: (req) => `ip:${req.ip ?? 'unknown'}` });
  const resetPerAddress = createLimiter(ctx.redis, {
    name: 'password-reset-address',
    limit: cfg.passwordResetRateLimitPerAddress,
    windowSeconds: window,
    // (runs after validation: the email is there)
    key: (req) => {
      const body: unknown = req.body;
      return typeof body === 'object' && body !== null && 'email' in body && typeof body.email === 'string' ? `addr:${sha256(body.email.toLowerCase())}` : null;
    },
  });

  api
    .route({
      method: 'post',
      path: '/auth/login',
      operationId: 'login',
      summary: 'Log in: access token in the body, refresh token as an httpOnly cookie',
      tags: ['auth'],
      auth: 'none',
      body: loginBody,
      responses: { 200: { description: 'Logged in', schema: tokenSchema } },
    })
    .handle(async ({ body, req, res }) => sendTokens(res, await auth.login(body, clientMeta(req))));

  api
    .route({
      method: 'post',
      path: '/auth/refresh',
      operationId: 'refresh',
      summary: 'Rotate the refresh cookie and get a new access token',
      tags: ['auth'],
      auth: 'none',
      before: [cookies],
      responses: { 200: { description: 'Rotated', schema: tokenSchema } },
    })
    .handle(async ({ req, res }) => sendTokens(res, await auth.refresh((req.cookies as Record<string, string | undefined>)[REFRESH_COOKIE], clientMeta(req))));

  api
    .route({ method: 'post', path: '/auth/logout', operationId: 'logout', summary: 'End this login', tags: ['auth'], auth: 'required', responses: { 204: { description: 'Logged out' } } })
    .handle(async ({ viewer, req, res }) => {
      await auth.logout(viewer, clientMeta(req));
      res.clearCookie(REFRESH_COOKIE, cookieOptions);
      return noContent();
    });

  api
    .route({
      method: 'post',
      path: '/auth/logout-all',
      operationId: 'logoutAll',
      summary: 'End every session of this account',
      tags: ['auth'],
      auth: 'required',
      responses: { 204: { description: 'Logged out everywhere' } },
    })
    .handle(async ({ viewer, req, res }) => {
      await auth.logoutAll(viewer, clientMeta(req));
      res.clearCookie(REFRESH_COOKIE, cookieOptions);
      return noContent();
    });

  api
    .route({
      method: 'post',
      path: '/auth/ws-ticket',
      operationId: 'createWsTicket',
      summary: 'A single-use ticket (30 s) for the chat WebSocket upgrade: ws://host:CHAT_PORT/ws?ticket=…',
      tags: ['auth'],
      auth: 'required',
      responses: { 200: { description: 'Ticket', schema: { type: 'object', required: ['ticket', 'expiresIn'], properties: { ticket: { type: 'string' }, expiresIn: { type: 'integer' } } } } },
    })
    .handle(async ({ viewer }) => ok(await auth.issueWsTicket(viewer), { 'Cache-Control': 'no-store' }));

  api
    .route({
      method: 'post',
      path: '/auth/password-reset',
      operationId: 'requestPasswordReset',
      summary: 'Mail a single-use reset token (always 202: whether the address has an account is not revealed)',
      tags: ['auth'],
      auth: 'none',
      before: [resetPerIp, resetPerAddress],
      body: passwordResetBody,
      responses: { 202: { description: 'Accepted' } },
    })
    .handle(async ({ body, req }) => {
      await auth.requestPasswordReset(body.email, clientMeta(req));
      return accepted({ status: 'accepted' });
    });

  api
    .route({
      method: 'post',
      path: '/auth/password-reset/confirm',
      operationId: 'confirmPasswordReset',
      summary: 'Set a new password with a reset token; every session of the account ends',
      tags: ['auth'],
      auth: 'none',
      before: [resetPerIp],
      body: passwordResetConfirmBody,
      responses: { 204: { description: 'Password changed' } },
    })
    .handle(async ({ body, req }) => {
      await auth.confirmPasswordReset(body.token, body.password, clientMeta(req));
      return noContent();
    });
}
