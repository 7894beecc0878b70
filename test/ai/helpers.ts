// Shared by the AI suites: an app and (optionally) an in-process worker on the suite's own database, Redis
// prefix and uploads; models created over the real API; polling the rows the worker writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from '@jest/globals';
import type { Express } from 'express';
import { projectRoot } from '../../src/platform/paths.js';
import { queueNames } from '../../src/platform/queue.js';
import { startAiWorkers, type AiWorkers } from '../../ai-worker/processors.js';
import { actor, call, startSuite, type Actor } from '../boards/setup.js';
import type { TestContext } from '../helpers/context.js';
import { waitFor } from '../helpers/wait.js';
import { exitOf, processTimeoutMs } from '../helpers/process.js';

export { waitFor };

export const FORMULA = [4, 5, 2, 7, 0.1, 15, 0.05, 1];
export const formula = (row: number[]) => row.reduce((s, v, i) => s + v * FORMULA[i], 0);

export interface AiSuite {
  t: TestContext;
  app: Express;
  admin: Actor;
  member: Actor;
  other: Actor;
  workers: AiWorkers | null;
  cleanup(): Promise<void>;
}

/** Fast retries, short stalled checks; extra env wins. */
export async function startAiSuite(extraEnv: Record<string, string> = {}, opts: { worker?: boolean } = {}): Promise<AiSuite> {
  const { t, app } = await startSuite({ AI_JOB_BACKOFF_MS: '50', AI_LOCK_DURATION_MS: '5000', AI_STALLED_INTERVAL_MS: '1000', ...extraEnv });
  const workers = opts.worker === false ? null : await startAiWorkers(t.ctx, { archive: null });
  const [admin, member, other] = [await actor(t, app, 'admin'), await actor(t, app), await actor(t, app)];
  return {
    t,
    app,
    admin,
    member,
    other,
    workers,
    async cleanup() {
      await workers?.close();
      await t.cleanup();
    },
  };
}

export interface AiBody {
  id: number;
  name: string;
  status: string;
  isAvailable: boolean;
  isVisible: boolean;
  version: number;
  jobId?: string;
  metrics: { r2: number; rmse: number; coefficients: number[]; intercept: number; features: string[] } | null;
  error?: string | null;
}

export interface AiLogBody {
  id: number;
  aiId: number;
  userId: number;
  status: string;
  isFinished: boolean;
  result: number | number[] | null;
  error: string | null;
  jobId: string;
  input: unknown;
  startDate: string | null;
  finishDate: string | null;
}

/** The model's row once its training reached a final state. */
export async function trained(s: Pick<AiSuite, 't'>, aiId: number, timeoutMs = 30_000) {
  return waitFor(
    `model ${aiId} to finish training`,
    async () => {
      const row = await s.t.ctx.prisma.ai.findUnique({ where: { id: aiId } });
      return row && (row.status === 'succeeded' || row.status === 'failed') ? row : null;
    },
    timeoutMs,
  );
}

export async function finished(s: Pick<AiSuite, 't'>, logId: number, timeoutMs = 20_000) {
  return waitFor(
    `ailog ${logId} to finish`,
    async () => {
      const row = await s.t.ctx.prisma.aiLog.findUnique({ where: { id: logId } });
      return row?.isFinished ? row : null;
    },
    timeoutMs,
  );
}

let n = 0;
export const aiName = (prefix = 'model') => `${prefix}-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

/** POST /ais as admin (default dataset) and waits until it is trained. */
export async function createTrainedModel(s: AiSuite, body: Record<string, unknown> = {}): Promise<AiBody> {
  const res = await call(s.app, s.admin, 'post', '/ais', { name: aiName(), ...body });
  expect(res.status).toBe(202);
  const row = await trained(s, res.body.id as number);
  expect(row.status).toBe('succeeded');
  // the row is written before BullMQ completes (and removes) the job
  await waitFor('the training job to be removed', async () => (await s.t.ctx.queues.get(queueNames.aiTrain).getJob(row.jobId!)) === undefined);
  return (await call(s.app, s.admin, 'get', `/ais/${row.id}`)).body as AiBody;
}

/** A seeded dataset of `rows` rows following FORMULA (no noise): large enough that training takes a while. */
export function bigDataset(rows: number): string {
  let seed = 7;
  const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 10;
  const lines = ['x0,x1,x2,x3,x4,x5,x6,x7,y'];
  for (let r = 0; r < rows; r++) {
    const xs = FORMULA.map(() => Number(rand().toFixed(3)));
    lines.push(`${xs.join(',')},${xs.reduce((a, v, i) => a + v * FORMULA[i], 0).toFixed(5)}`);
  }
  return lines.join('\n');
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const spawned: ChildProcess[] = [];

/** The real ai-worker entry (node + tsx) on the suite's environment; `killWorkerProcesses` ends what is left. */
/** `null` in extraEnv removes a variable of the suite's environment (its default applies). */
export function startWorkerProcess(s: Pick<AiSuite, 't'>, extraEnv: Record<string, string | null> = {}): WorkerProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...s.t.env, LOG_LEVEL: 'info' };
  for (const [k, v] of Object.entries(extraEnv)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'ai-worker/main.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out, exited: exitOf(child, 4 * processTimeoutMs) };
}

export async function waitForWorkerStart(w: WorkerProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor('the worker to start', () => w.output().includes('ai-worker started') || w.child.exitCode !== null, timeoutMs, 100);
  if (w.child.exitCode !== null) throw new Error(`the worker exited (${w.child.exitCode}): ${w.output()}`);
}

/** SIGKILLs every worker process still running and waits until each has exited. */
export async function killWorkerProcesses(): Promise<void> {
  const left = spawned.splice(0);
  for (const c of left) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(left.map((c) => exitOf(c)));
}
