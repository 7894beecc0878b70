// Shared helpers for the auth suites: problem assertions, signup/login through the real app, refresh cookies.
import crypto from 'node:crypto';
import { expect } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { Context } from '../../src/context.js';

export const API = '/api/v1';
export const PASSWORD = 'Str0ng!Passw0rd';
export const COOKIE = 'agora_refresh';

export const expectProblem = (res: request.Response, status: number, code: string) => {
  expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `urn:agora:problem:${code}` });
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
};

export interface TestUser {
  id: number;
  name: string;
  email: string;
  password: string;
}

export async function signup(app: Express, prefix = 'u'): Promise<TestUser> {
  const name = `${prefix}${crypto.randomBytes(5).toString('hex')}`;
  const email = `${name}@example.com`;
  const res = await request(app).post(`${API}/users`).send({ name, email, password: PASSWORD });
  expect(res.status).toBe(201);
  return { id: res.body.id as number, name, email, password: PASSWORD };
}

export async function makeAdmin(ctx: Context, user: TestUser): Promise<void> {
  await ctx.prisma.user.update({ where: { id: user.id }, data: { role: 'admin' } });
}

/** The value of the agora_refresh cookie a response sets ('' when it clears it), or undefined. */
export function refreshCookieOf(res: request.Response): string | undefined {
  const raw = refreshSetCookie(res);
  if (raw === undefined) return undefined;
  return raw.split(';')[0].slice(COOKIE.length + 1);
}

/** The whole Set-Cookie line for agora_refresh. */
export function refreshSetCookie(res: request.Response): string | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | string | undefined;
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.find((l) => l.startsWith(`${COOKIE}=`));
}

export interface LoggedIn {
  access: string;
  refresh: string;
  res: request.Response;
}

export async function login(app: Express, user: Pick<TestUser, 'name' | 'password'>): Promise<LoggedIn> {
  const res = await request(app).post(`${API}/auth/login`).send({ name: user.name, password: user.password });
  expect(res.status).toBe(200);
  const refresh = refreshCookieOf(res);
  expect(refresh).toEqual(expect.any(String));
  return { access: res.body.access_token as string, refresh: refresh!, res };
}

export const refresh = (app: Express, cookie?: string) => {
  const r = request(app).post(`${API}/auth/refresh`);
  return cookie === undefined ? r : r.set('Cookie', `${COOKIE}=${cookie}`);
};

export const me = (app: Express, token: string) => request(app).get(`${API}/users/me`).set('Authorization', `Bearer ${token}`);

export const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}
