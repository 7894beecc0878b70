// Shared by the board suites: an app on its own database and Redis prefix, staff and members logged in,
// board helpers over the real API.
import crypto from 'node:crypto';
import { expect } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { API, login, makeAdmin, signup, type TestUser } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

export interface Board {
  id: number;
  name: string;
  information: string;
  isVisible: boolean;
  isAvailable: boolean;
  access?: 'admin' | 'public' | 'granted';
}

export interface Actor extends TestUser {
  token: string;
}

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** A request with the actor's bearer token (or none for `null`). */
export function call(app: Express, who: Actor | null, method: Method, path: string, body?: object) {
  const r = request(app)[method](`${API}${path}`);
  if (who) void r.set('Authorization', `Bearer ${who.token}`);
  return body === undefined ? r : r.send(body);
}

export const boardName = (prefix = 'board') => `${prefix}-${crypto.randomBytes(5).toString('hex')}`;

/** Signs up and logs in; the role is set before the login because the token carries it. */
export async function actor(t: TestContext, app: Express, role: 'user' | 'admin' | 'superuser' = 'user'): Promise<Actor> {
  const user = await signup(app, role === 'user' ? 'mem' : role.slice(0, 3));
  if (role === 'admin') await makeAdmin(t.ctx, user);
  if (role === 'superuser') await t.ctx.prisma.user.update({ where: { id: user.id }, data: { role: 'superuser' } });
  const { access } = await login(app, user);
  return { ...user, token: access };
}

export interface Suite {
  t: TestContext;
  app: Express;
}

export async function startSuite(extraEnv: Record<string, string> = {}): Promise<Suite> {
  const t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', ...extraEnv });
  return { t, app: buildApp(t.ctx) };
}

/** Creates a board through the API as `admin` and checks the 201. */
export async function createBoard(app: Express, admin: Actor, body: Partial<Omit<Board, 'id' | 'access'>> & { userIds?: number[] } = {}): Promise<Board> {
  const res = await call(app, admin, 'post', '/boards', { name: boardName(), ...body });
  expect(res.status).toBe(201);
  return res.body as Board;
}

export const idsOf = (items: { id: number }[]) => items.map((b) => b.id);
