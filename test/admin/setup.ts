// Shared by the admin suites: the panel's component bundle, built once (by the production prebuild script)
// and reused while the component sources do not change; a real api on a free port; staff and members.
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import request from 'supertest';
import { componentsKey } from '../../admin/env.js';
import { startApi, type RunningApi } from '../../src/api-server.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { projectRoot } from '../../src/platform/paths.js';
import type { Role } from '../../src/users/schemas.js';
import { PASSWORD } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { tmpRoot } from '../helpers/db.js';

/**
 * The folder of a bundle of the current component sources (made by `tsx admin/build.ts --bundle-only` when
 * missing), set as ADMIN_JS_TMP_DIR before the panel is first imported.
 */
export function useBundle(): string {
  const dir = path.join(tmpRoot, `adminjs-${componentsKey()}`);
  if (!fs.existsSync(path.join(dir, 'bundle.js'))) {
    const work = `${dir}.${process.pid}.${crypto.randomBytes(3).toString('hex')}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'admin/build.ts', '--bundle-only'], { cwd: projectRoot, env: { ...process.env, ADMIN_JS_TMP_DIR: work }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`admin bundle failed:\n${r.stdout}${r.stderr}`);
    try {
      fs.renameSync(work, dir);
    } catch {
      fs.rmSync(work, { recursive: true, force: true }); // another suite made it first
    }
  }
  process.env.ADMIN_JS_TMP_DIR = dir;
  return dir;
}

export interface Person {
  id: number;
  name: string;
  email: string;
  password: string;
}

/** An account straight in the database (the signup rules are tested elsewhere). */
export async function person(t: TestContext, role: Role = 'user', prefix: string = role): Promise<Person> {
  const name = `${prefix}${crypto.randomBytes(4).toString('hex')}`;
  const email = `${name}@example.com`;
  const user = await t.ctx.prisma.user.create({ data: { name, email, role, passwordHash: await hashPassword(PASSWORD) } });
  return { id: user.id, name, email, password: PASSWORD };
}

export interface AdminSuite {
  t: TestContext;
  api: RunningApi;
  origin: string;
  stop(): Promise<void>;
}

export async function startAdminSuite(extraEnv: Record<string, string> = {}): Promise<AdminSuite> {
  useBundle();
  const t = await createTestContext({ LOGIN_RATE_LIMIT_IP: '100000', ...extraEnv });
  const api = await startApi(t.ctx, 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${api.port}`;
  // the first request loads the panel
  const res = await request(origin).get('/admin/login');
  expect(res.status).toBe(200);
  return {
    t,
    api,
    origin,
    stop: async () => {
      await api.stop();
      await t.cleanup();
    },
  };
}

/** Signs in through the form (urlencoded, as a browser would) and returns the agent holding the cookie. */
export async function adminAgent(origin: string, who: Pick<Person, 'name' | 'password'>) {
  const agent = request.agent(origin);
  const res = await agent.post('/admin/login').type('form').send({ email: who.name, password: who.password });
  return { agent, res };
}
