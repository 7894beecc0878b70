// `npm run bench:admin`: what the admin panel costs a browser. Starts the api as `npm start` does
// (NODE_ENV=development unless BENCH_ADMIN_NODE_ENV says otherwise) on a fresh SQLite database with a few
// hundred rows, signs an operator in from headless Chromium, warms up, then loads the dashboard
// BENCH_ADMIN_LOADS times with an empty browser cache and as many times with a warm one, and every
// resource's list page with a warm cache. Prints the dashboard's JavaScript (bytes on the wire and unpacked)
// and the median and slowest time from navigation to the page rendered with its data (the dashboard's
// title, a list's rows): the panel renders only after every script has run, so that is when it is usable.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { migrate } from '../src/platform/migrate.js';
import { deleteRedisPrefix } from '../src/platform/redis.js';
import { freePort } from './net.js';

const env = process.env;
const loads = Number(env.BENCH_ADMIN_LOADS ?? 10);
const nodeEnv = env.BENCH_ADMIN_NODE_ENV ?? 'development';
const executablePath = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-admin-'));
const redisPrefix = `agora-bench:${crypto.randomBytes(4).toString('hex')}:`;
const databaseUrl = `file:${path.join(dir, 'agora.db')}`;
const OPERATOR = { name: 'operator', email: 'operator@example.com', password: 'Bench!pass1' };
const RESOURCES = ['User', 'Board', 'UserBoardPermission', 'Post', 'Comment', 'ChatSession', 'Ai', 'AiLog', 'AuditLog'];

const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: databaseUrl,
  DATA_DIR: dir,
  UPLOADS_DIR: path.join(dir, 'uploads'),
  REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: redisPrefix,
});

async function seed(): Promise<void> {
  await migrate(config);
  const ctx = await createContext(config, { service: 'bench' });
  try {
    const operator = await ctx.services.users.create(OPERATOR);
    await ctx.prisma.user.update({ where: { id: operator.id }, data: { role: 'admin' } });
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.prisma.user.create({ data: { name: `member${i}`, email: `member${i}@example.com`, passwordHash: 'x' } })));
    const board = await ctx.prisma.board.create({ data: { name: 'general' } });
    await ctx.prisma.post.createMany({
      data: Array.from({ length: 300 }, (_, i) => ({ boardId: board.id, authorId: users[i % users.length].id, name: `post ${i}`, content: 'lorem ipsum '.repeat(20) })),
    });
  } finally {
    await ctx.close();
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 300_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n: number) => `${Math.round(n / 1024).toLocaleString('en')} KB`;

await seed();
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const api = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  cwd: root,
  env: {
    ...env,
    NODE_ENV: nodeEnv,
    LOG_LEVEL: 'warn',
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    UPLOADS_DIR: path.join(dir, 'uploads'),
    REDIS_URL: config.redisUrl,
    REDIS_PREFIX: redisPrefix,
    COOKIE_SECURE: 'false',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const started = Date.now();
  await until('the admin panel', async () => (await fetch(`${origin}/admin/login`)).ok);
  // the bundles are compressed in the background after start: warm-up ends when they are
  const html = await (await fetch(`${origin}/admin/login`)).text();
  const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
  await until('compressed bundles', async () => {
    for (const src of scripts) if ((await fetch(`${origin}${src}`, { headers: { 'accept-encoding': 'br' } })).headers.get('content-encoding') !== 'br') return false;
    return true;
  });
  console.log(`api (NODE_ENV=${nodeEnv}) ready with compressed bundles ${((Date.now() - started) / 1000).toFixed(1)} s after start`);

  const signedIn = await browser.newContext();
  const page = await signedIn.newPage();
  await page.goto(`${origin}/admin/login`);
  await page.fill('input[name="email"]', OPERATOR.name);
  await page.fill('input[name="password"]', OPERATOR.password);
  await Promise.all([page.waitForURL(`${origin}/admin`), page.click('form button')]);
  const state = await signedIn.storageState();

  const dashboard = async (p: typeof page) => {
    const t = Date.now();
    await p.goto(`${origin}/admin`, { waitUntil: 'commit' });
    await p.waitForSelector('[data-testid="agora-dashboard-title"]');
    return Date.now() - t;
  };
  for (let i = 0; i < 3; i++) await dashboard(page); // warm-up

  const cold: number[] = [];
  let wire = 0;
  let bytes = 0;
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ storageState: state });
    const p = await context.newPage();
    const js: Promise<[number, number]>[] = [];
    p.on('response', (r) => {
      if (r.request().resourceType() === 'script') js.push((async () => [(await r.request().sizes()).responseBodySize, (await r.body()).length] as [number, number])());
    });
    cold.push(await dashboard(p));
    const sizes = await Promise.all(js);
    wire = sizes.reduce((n, s) => n + s[0], 0);
    bytes = sizes.reduce((n, s) => n + s[1], 0);
    await context.close();
  }
  const warm: number[] = [];
  for (let i = 0; i < loads; i++) warm.push(await dashboard(page));
  const lists: [string, number[]][] = [];
  for (const resource of RESOURCES) {
    const times: number[] = [];
    for (let i = 0; i < Math.max(3, Math.ceil(loads / 3)); i++) {
      const t = Date.now();
      const listed = page.waitForResponse((r) => r.url().includes(`/admin/api/resources/${resource}/actions/list`));
      await page.goto(`${origin}/admin/resources/${resource}`, { waitUntil: 'commit' });
      await listed;
      await page.waitForSelector('[data-css$="action-header"] h2');
      times.push(Date.now() - t);
    }
    lists.push([resource, times]);
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`dashboard JavaScript: ${kb(wire)} on the wire, ${kb(bytes)} unpacked (${scripts.length} files)`);
  console.log('| page | median | slowest |\n|---|---|---|');
  console.log(`| dashboard, empty browser cache | ${median(cold)} ms | ${Math.max(...cold)} ms |`);
  console.log(`| dashboard, warm browser cache | ${median(warm)} ms | ${Math.max(...warm)} ms |`);
  for (const [resource, times] of lists) console.log(`| ${resource} list, warm cache | ${median(times)} ms | ${Math.max(...times)} ms |`);
} finally {
  await browser.close();
  const exited = new Promise((resolve) => api.once('exit', resolve));
  api.kill('SIGTERM');
  await exited;
  await deleteRedisPrefix(config, redisPrefix);
  fs.rmSync(dir, { recursive: true, force: true });
}
