// `npm run bench:ai`: the AI path end to end on a temporary SQLite database and a private Redis prefix.
//   training     parse + fit on the shipped 10,000-row CSV (in process, best of 5), and one training job
//                through the queue (enqueue → model row succeeded) on the worker process
//   predictions  10,000 single-input predictions asked through AisService.predict (row + job, as POST
//                /ais/:id/ailogs does) while one worker consumes them at concurrency 1 and 50; the clock runs
//                from the first enqueue to the last result stored in the database. Also the same 10,000
//                predictions as 100 batch jobs of 100. The worker's BullMQ consumers run in this process (as
//                `npm start` runs them), or with BENCH_WORKER=process in an ai-worker/main.ts process: on SQLite
//                two processes writing at once wait on the file lock, which costs throughput (MariaDB does not).
// Target: ≥ 1,000 predictions/s on one worker; training < 1 s. Needs Redis (REDIS_URL).
// Settings: BENCH_PREDICTIONS (default 10000), BENCH_ENQUEUE_PARALLEL (requests in flight, default 64).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultDatasetPath, parseDataset, train } from '../src/ais/model.js';
import { startAiWorkers } from '../ai-worker/processors.js';
import type { Principal } from '../src/auth/sessions.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { migrate } from '../src/platform/migrate.js';
import { projectRoot } from '../src/platform/paths.js';
import { deleteRedisPrefix } from '../src/platform/redis.js';

const PREDICTIONS = Number(process.env.BENCH_PREDICTIONS ?? 10_000);
const PARALLEL = Number(process.env.BENCH_ENQUEUE_PARALLEL ?? 64);
const WORKER_MODE = process.env.BENCH_WORKER === 'process' ? 'process' : 'in-process';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-ai-'));
const env: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATABASE_URL: `file:${path.join(dir, 'bench.db')}`,
  DATA_DIR: dir,
  UPLOADS_DIR: path.join(dir, 'uploads'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `agora-bench:${crypto.randomBytes(4).toString('hex')}:`,
  AI_BATCH_LIMIT: '100',
  JWT_SECRET: crypto.randomBytes(32).toString('base64url'),
  SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
};
const config = loadConfig(env);
await migrate(config);
const ctx = await createContext(config, { service: 'bench' });
const { ais } = ctx.services;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

interface RunningWorker {
  stop(): Promise<void>;
}

/** One worker: BullMQ consumers in this process (default), or an ai-worker/main.ts process (BENCH_WORKER=process). */
async function startWorker(concurrency: number): Promise<RunningWorker> {
  if (WORKER_MODE === 'process') {
    const child = await startWorkerProcess(concurrency);
    return { stop: () => stopWorker(child) };
  }
  const workers = await startAiWorkers(ctx, { predictConcurrency: concurrency, archive: null });
  return { stop: () => workers.close() };
}

function startWorkerProcess(concurrency: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ai-worker/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info', AI_PREDICT_CONCURRENCY: String(concurrency) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ai-worker started')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`ai-worker exited with ${code}`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function waitUntil(f: () => Promise<boolean>, everyMs = 20): Promise<void> {
  while (!(await f())) await new Promise((r) => setTimeout(r, everyMs));
}

/** Runs `count` tasks with at most `parallel` in flight. */
async function pool(count: number, parallel: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

try {
  // ---- training, in process
  const csv = fs.readFileSync(defaultDatasetPath);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    train(parseDataset(csv, { maxRows: 100_000 }), 1);
    best = Math.min(best, performance.now() - t0);
  }

  const adminUser = await ctx.prisma.user.create({ data: { name: 'benchadmin', email: 'benchadmin@example.com', passwordHash: 'x', role: 'admin' } });
  const memberUser = await ctx.prisma.user.create({ data: { name: 'benchmember', email: 'benchmember@example.com', passwordHash: 'x' } });
  const admin: Principal = { id: adminUser.id, role: 'admin', jti: 'b', sid: 'b', exp: 0 };
  const member: Principal = { id: memberUser.id, role: 'user', jti: 'b', sid: 'b', exp: 0 };

  const results: { label: string; seconds: number; perSecond: number }[] = [];
  let trainJobMs = 0;
  let aiId = 0;
  for (const concurrency of [1, 50]) {
    const worker = await startWorker(concurrency);
    try {
      if (!aiId) {
        const t0 = performance.now();
        aiId = (await ais.create(admin, { name: 'bench' })).id;
        await waitUntil(async () => (await ctx.prisma.ai.findUniqueOrThrow({ where: { id: aiId } })).status === 'succeeded');
        trainJobMs = performance.now() - t0;
        // warm the worker's artifact cache and the connections
        const warm = await ais.predict(member, aiId, { input: [1, 2, 3, 4, 5, 6, 7, 8] });
        await waitUntil(async () => (await ctx.prisma.aiLog.findUniqueOrThrow({ where: { id: warm.id } })).isFinished);
      }
      for (const mode of concurrency === 50 ? (['single', 'batch'] as const) : (['single'] as const)) {
        const before = await ctx.prisma.aiLog.count({ where: { isFinished: true } });
        const jobs = mode === 'single' ? PREDICTIONS : PREDICTIONS / 100;
        const t0 = performance.now();
        let enqueuedAt = 0;
        await pool(jobs, PARALLEL, async (i) => {
          const row = [i % 10, (i * 3) % 10, 1, 2, 3, 4, 5, 6];
          await ais.predict(member, aiId, mode === 'single' ? { input: row } : { inputs: Array.from({ length: 100 }, (_, j) => row.map((v) => v + j)) });
        });
        enqueuedAt = performance.now() - t0;
        await waitUntil(async () => (await ctx.prisma.aiLog.count({ where: { isFinished: true } })) - before >= jobs);
        const seconds = (performance.now() - t0) / 1000;
        const failed = await ctx.prisma.aiLog.count({ where: { status: 'failed' } });
        if (failed) throw new Error(`${failed} predictions failed`);
        const label =
          mode === 'single' ? `${fmt(PREDICTIONS)} single predictions, concurrency ${concurrency}` : `${fmt(PREDICTIONS)} predictions as ${fmt(jobs)} batch jobs of 100, concurrency ${concurrency}`;
        results.push({ label: `${label} (enqueued in ${fmt(enqueuedAt / 1000, 2)} s)`, seconds, perSecond: PREDICTIONS / seconds });
      }
    } finally {
      await worker.stop();
    }
  }

  const line = (label: string, value: string, ok: boolean | null) => console.log(`${label.padEnd(96)} ${value.padStart(16)} ${ok === null ? '' : ok ? 'ok' : 'BELOW TARGET'}`);
  console.log(
    `\nbench:ai  (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}, SQLite, one worker ${WORKER_MODE === 'process' ? 'process (ai-worker/main.ts)' : 'in the enqueuing process'})\n`,
  );
  line('training: parse + fit 10,000 rows in process (best of 5)', `${fmt(best, 1)} ms`, best < 1000);
  line('training job end to end (enqueue → model row succeeded)', `${fmt(trainJobMs, 1)} ms`, trainJobMs < 1000);
  for (const r of results) line(`predictions end to end: ${r.label}`, `${fmt(r.perSecond)} /s`, r.label.includes('concurrency 50') ? r.perSecond >= 1000 : null);
  console.log('\ntarget: ≥ 1,000 predictions/s on one worker (concurrency 50); training < 1 s');
} finally {
  await ctx.close();
  await deleteRedisPrefix(config, config.redisPrefix);
  fs.rmSync(dir, { recursive: true, force: true });
}
