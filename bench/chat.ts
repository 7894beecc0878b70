// `npm run bench:chat`: deliveries/s, latency, server CPU, idle memory per connection and connects/s of three
// WebSocket chat servers under the same scenario, in one run (method: bench/README.md):
//   A  raw uWebSockets.js pub/sub (bench/chat/server-uws.ts): no auth, no persistence
//   B  the `ws` package with manual fan-out (bench/chat/server-ws.ts): no auth, no persistence
//   C  the Agora chat process (src/chat/main.ts): tickets, membership checks, validation, group-committed SQLite
//      writes (ack after commit), Redis pub/sub fan-out
// Scenario: ROOMS sessions x MEMBERS sockets, 100-byte contents, every message delivered to every member (the
// sender included). Each server runs alone, pinned to CPU 0 (taskset); the C load generator
// (bench/chat/loadgen.c, built here with gcc) runs pinned to CPU 1. Rounds alternate the order of the servers;
// the table shows medians. Needs Linux, gcc, taskset, and Redis for C (REDIS_URL, default 127.0.0.1:6379).
//
// Settings (environment): BENCH_CHAT_QUICK=1 (1 round, 4 s + 1 s warm-up, idle test 10k sockets: < 3 min),
// BENCH_CHAT_ROUNDS (3), BENCH_CHAT_SECONDS (10), BENCH_CHAT_WARMUP (3), BENCH_CHAT_ROOMS (100),
// BENCH_CHAT_MEMBERS (10), BENCH_CHAT_SIZE (100 content bytes), BENCH_CHAT_WINDOW (2,8,32: the numbers of unacked
// sends per socket the saturated row tries, each on a fresh server; each server's best counts), BENCH_CHAT_FIXED_RATE
// (100000 deliveries/s), BENCH_CHAT_IDLE (10000 sockets, 0 = skip),
// BENCH_CHAT_SERVERS (A,B,C), BENCH_UWS_MAX_BACKPRESSURE (server A, bytes; uWS default 64 KB), BENCH_CHAT_DRAIN
// (5 s at most for the last deliveries), BENCH_CHAT_VERBOSE=1 (raw load generator results), BENCH_CHAT_FIXED_AFTER_SAT=1
// (the fixed-rate row on the server that just ran the saturated row, instead of a fresh one), BENCH_CHAT_TIMELINE=1
// (per 100 ms of send time: deliveries, how many took > 20 ms, the slowest), BENCH_CHAT_DISK_PROBE (5 s of fsyncs
// on the disk under C's database before each round, 0 = skip), BENCH_CHAT_READS (1 `read` frame per socket per second
// in the saturated and fixed-rate rows, naming the latest message it received; 0 = none).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CHAT_NODE_FLAGS } from '../src/chat/node-flags.js';
import { loadConfig, type Config } from '../src/config.js';
import { createContext, type Context } from '../src/context.js';
import { migrate } from '../src/platform/migrate.js';
import { deleteRedisPrefix } from '../src/platform/redis.js';
import { freePort } from './net.js';

type Kind = 'A' | 'B' | 'C';
const LABEL: Record<Kind, string> = { A: 'A uWS pub/sub', B: 'B ws fan-out', C: 'C Agora chat' };

const env = process.env;
const quick = env.BENCH_CHAT_QUICK === '1';
const num = (name: string, dflt: number, quickValue = dflt) => {
  const v = env[name];
  const n = v === undefined || v === '' ? (quick ? quickValue : dflt) : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number (got ${v})`);
  return n;
};
const ROUNDS = num('BENCH_CHAT_ROUNDS', 3, 1);
const FIXED_AFTER_SAT = env.BENCH_CHAT_FIXED_AFTER_SAT === '1';
const SECONDS = num('BENCH_CHAT_SECONDS', 10, 4);
const WARMUP = num('BENCH_CHAT_WARMUP', 3, 1);
const ROOMS = num('BENCH_CHAT_ROOMS', 100);
const MEMBERS = num('BENCH_CHAT_MEMBERS', 10);
const SIZE = num('BENCH_CHAT_SIZE', 100);
// Saturation is closed-loop: each socket keeps WINDOW sends without an ack outstanding. How many it takes to keep a
// server busy depends on the server (C acks after a group commit and its fsync, during which its loop is not busy),
// so the saturated row tries each window on a fresh server and counts each server's best (the peak it sustains).
const WINDOWS = (env.BENCH_CHAT_WINDOW ?? '2,8,32').split(',').map((v) => Number(v.trim()));
if (!WINDOWS.length || WINDOWS.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`BENCH_CHAT_WINDOW lists positive integers (got ${env.BENCH_CHAT_WINDOW})`);
const FIXED_RATE = num('BENCH_CHAT_FIXED_RATE', 100_000);
let IDLE = num('BENCH_CHAT_IDLE', 10_000);
const SERVERS = (env.BENCH_CHAT_SERVERS ?? 'A,B,C').split(',').map((s) => s.trim().toUpperCase()) as Kind[];
if (SERVERS.some((s) => !(s in LABEL))) throw new Error('BENCH_CHAT_SERVERS lists servers among A, B, C');
const DRAIN = num('BENCH_CHAT_DRAIN', 5);
const DISK_PROBE = num('BENCH_CHAT_DISK_PROBE', 5);
const READS = num('BENCH_CHAT_READS', 1);
const CONNS = ROOMS * MEMBERS;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench', 'chat');
const buildDir = path.join(benchDir, 'build');
const loadgenBin = path.join(buildDir, 'loadgen');
const require = createRequire(import.meta.url);

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

// ---------------------------------------------------------------------------------------------- preconditions
if (process.platform !== 'linux') throw new Error('bench:chat needs Linux (epoll load generator, /proc, taskset)');
for (const [cmd, args] of [
  ['gcc', ['--version']],
  ['taskset', ['--version']],
] as const) {
  if (spawnSync(cmd, args).status !== 0) throw new Error(`bench:chat needs ${cmd} on the PATH`);
}
const cores = os.cpus().length;
const [SERVER_CPU, LOADGEN_CPU] = cores >= 2 ? ['0', '1'] : ['0', '0'];
if (cores < 2) log('warning: one CPU only: server and load generator share it, the figures are not meaningful');

// raise the soft fd limit of the children (server and load generator each hold IDLE sockets)
const hardLimit = Number(spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().replace('unlimited', '1048576'));
const fdLimit = Math.min(hardLimit, 1_048_576);
if (fdLimit < Math.max(IDLE, CONNS) + 512) {
  const reduced = Math.max(0, fdLimit - 512);
  log(`warning: the hard limit of open files is ${hardLimit}: the idle test uses ${reduced} sockets instead of ${IDLE} (raise it with ulimit -Hn / limits.conf)`);
  IDLE = Math.min(IDLE, reduced);
}
/** argv run through `sh -c 'ulimit -n …; exec taskset -c CPU …'`: the spawned pid is the program's own pid. */
function pinned(cpu: string, argv: string[]): [string, string[]] {
  return ['sh', ['-c', `ulimit -n ${fdLimit} && exec taskset -c ${cpu} "$@"`, 'sh', ...argv]];
}

// build the load generator (into the gitignored bench/chat/build)
const gccVersion = spawnSync('gcc', ['-dumpfullversion'], { encoding: 'utf8' }).stdout.trim();
const source = path.join(benchDir, 'loadgen.c');
if (!fs.existsSync(loadgenBin) || fs.statSync(loadgenBin).mtimeMs < fs.statSync(source).mtimeMs) {
  fs.mkdirSync(buildDir, { recursive: true });
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', loadgenBin, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed:\n${cc.stderr}`);
  log(`built ${path.relative(root, loadgenBin)} with gcc ${gccVersion}`);
}

// ------------------------------------------------------------------------------------------------ helpers
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** pid of a local redis-server, to report the Redis CPU that C uses outside its own process (best effort). */
function redisPid(): number {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'redis-server') return Number(d);
    } catch {
      // gone
    }
  }
  return 0;
}

interface Probe {
  gc: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  newSpace: number;
  external: number;
  arrayBuffers: number;
}

interface Server {
  kind: Kind;
  pid: number;
  port: number;
  probe(): Promise<Probe>;
  stop(): Promise<void>;
  /** The last lines the server wrote (logs, errors), for failure reports. */
  output(): string;
}

async function startServer(kind: Kind, extraEnv: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const entry = kind === 'A' ? 'bench/chat/server-uws.ts' : kind === 'B' ? 'bench/chat/server-ws.ts' : 'src/chat/main.ts';
  const childEnv: NodeJS.ProcessEnv = { PATH: env.PATH, HOME: env.HOME, PORT: String(port), HOST: '127.0.0.1', ...extraEnv };
  if (kind === 'C') childEnv.CHAT_PORT = String(port);
  if (kind === 'A' && env.BENCH_UWS_MAX_BACKPRESSURE) childEnv.BENCH_UWS_MAX_BACKPRESSURE = env.BENCH_UWS_MAX_BACKPRESSURE;
  // BENCH_CHAT_NODE_ARGS: extra node flags for the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile
  const extraArgs = (env.BENCH_CHAT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // C with the node flags it runs with in production (src/chat/node-flags.ts); A and B with node's defaults
  const flags = kind === 'C' ? CHAT_NODE_FLAGS : [];
  const [cmd, args] = pinned(SERVER_CPU, [process.execPath, '--expose-gc', ...flags, ...extraArgs, '--import', 'tsx', '--import', './bench/chat/probe.ts', entry]);
  const child: ChildProcess = spawn(cmd, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const probes: Probe[] = [];
  const waiters: ((p: Probe) => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout = (stdout + d.toString()).slice(-20_000);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    let nl: number;
    while ((nl = stderr.indexOf('\n')) >= 0) {
      const line = stderr.slice(0, nl);
      stderr = stderr.slice(nl + 1);
      if (line.startsWith('@@probe ')) {
        const p = JSON.parse(line.slice(8)) as Probe;
        const w = waiters.shift();
        if (w) w(p);
        else probes.push(p);
      } else if (!/listening on/.test(line)) {
        stdout = (stdout + line + '\n').slice(-20_000);
      }
    }
  });
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  // ready when /healthz answers
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`server ${kind} exited at start:\n${stdout.slice(-3000)}${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server ${kind} did not answer /healthz within 60 s`);
    await sleep(100);
  }
  return {
    kind,
    pid: child.pid!,
    port,
    output: () => (stdout + stderr).trim().split('\n').slice(-8).join('\n'),
    probe: () =>
      new Promise<Probe>((resolve, reject) => {
        const p = probes.shift();
        if (p) return resolve(p);
        const timer = setTimeout(() => reject(new Error(`server ${kind} did not answer the memory probe`)), 10_000);
        waiters.push((x) => {
          clearTimeout(timer);
          resolve(x);
        });
        child.kill('SIGUSR2');
      }),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

interface LoadResult {
  mode: string;
  conns: number;
  established: number;
  failed: number;
  joined: number;
  connects_per_s: number;
  connect_s: number;
  closed_by_server: number;
  target_rate: number;
  deliveries_per_s: number;
  messages_per_s: number;
  loss: number;
  errors: number;
  misrouted: number;
  stalls: number;
  backlog_skips: number;
  reads_sent: number;
  reads_in: number;
  read_errors: number;
  other_frames: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  loadgen_cpu: number;
  server_cpu: number;
  extra_cpu: number;
  core_busy: number;
  core_steal: number;
}

interface LoadgenRun {
  result: Promise<LoadResult>;
  /** idle mode: resolves when every socket is connected and joined */
  ready: Promise<void>;
  /** idle mode: closes stdin, which ends the run */
  finish(): void;
}

function runLoadgen(conns: string[], args: string[]): LoadgenRun {
  const file = path.join(workDir, `conns-${crypto.randomBytes(4).toString('hex')}.txt`);
  fs.writeFileSync(file, conns.join('\n') + '\n');
  const [cmd, argv] = pinned(LOADGEN_CPU, [loadgenBin, '--conns', file, '--size', String(SIZE), ...args]);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('READY ')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timeout = setTimeout(() => child.kill('SIGKILL'), (WARMUP + SECONDS + DRAIN + 180) * 1000);
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('close', (code) => {
      clearTimeout(timeout);
      fs.rmSync(file, { force: true });
      markReady();
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`loadgen exited with ${code}:\n${err.trim()}`));
      const r = JSON.parse(line) as LoadResult;
      if (env.BENCH_CHAT_VERBOSE === '1') log(`    ${line}`);
      // BENCH_CHAT_TIMELINE=1: the load generator's latency per 100 ms of send time (both modes)
      if (env.BENCH_CHAT_TIMELINE === '1') for (const l of err.split('\n').filter((x) => x.startsWith('timeline '))) log(`    ${l}`);
      if (r.failed || r.closed_by_server || r.errors || r.read_errors) log(`    loadgen: ${err.trim().split('\n').slice(1).join('\n    loadgen: ')}`);
      resolve(r);
    });
  });
  return { result, ready, finish: () => child.stdin.end() };
}

// ------------------------------------------------------------------------------------- C: database and tickets
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-chat-'));
let cSetup: { ctx: Context; config: Config; env: Record<string, string>; sessionIds: number[]; userIds: number[]; seedDb: string } | undefined;

async function setupC(): Promise<NonNullable<typeof cSetup>> {
  const seedDb = path.join(workDir, 'seed.db');
  const cEnv: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: `file:${seedDb}`,
    DATA_DIR: path.join(workDir, 'data'),
    UPLOADS_DIR: path.join(workDir, 'uploads'),
    MAIL_OUTBOX_DIR: path.join(workDir, 'outbox'),
    REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `agora-bench-chat:${crypto.randomBytes(4).toString('hex')}:`,
    JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
    SESSION_SECRET: crypto.randomBytes(48).toString('base64url'),
    // the load generator sends far above a person's rate: lift the per-user limit (the rest stays default)
    CHAT_SEND_RATE_PER_SECOND: '10000000',
    CHAT_SEND_BURST: '10000000',
    // other CHAT_* settings of the server under test may be set for the bench (e.g. CHAT_FLUSH_INTERVAL_MS)
    ...Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('CHAT_') && e[1] !== undefined)),
  };
  const config = loadConfig(cEnv);
  await migrate(config);
  const ctx = await createContext(config, { service: 'bench' });
  const users = Math.max(CONNS, IDLE);
  for (let i = 0; i < users; i += 1000) {
    await ctx.prisma.user.createMany({
      data: Array.from({ length: Math.min(1000, users - i) }, (_, j) => ({ name: `bench${i + j}`, email: `bench${i + j}@bench.invalid`, passwordHash: 'x' })),
    });
  }
  const userIds = (await ctx.prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' }, where: { email: { endsWith: '@bench.invalid' } } })).map((u) => u.id);
  const sessionIds: number[] = [];
  for (let s = 0; s * MEMBERS < users; s++) {
    const members = userIds.slice(s * MEMBERS, (s + 1) * MEMBERS);
    const session = await ctx.prisma.chatSession.create({ data: { name: `bench ${s}`, creatorId: members[0] } });
    await ctx.prisma.chatSessionMember.createMany({ data: members.map((userId) => ({ sessionId: session.id, userId })) });
    sessionIds.push(session.id);
  }
  return { ctx, config, env: cEnv, sessionIds, userIds, seedDb };
}

/** A fresh copy of the seeded database for one start of C (each start begins with the same data). */
async function freshCDatabase(setup: NonNullable<typeof cSetup>): Promise<string> {
  const file = path.join(workDir, `c-${crypto.randomBytes(4).toString('hex')}.db`);
  await setup.ctx.prisma.$executeRawUnsafe(`VACUUM INTO '${file}'`);
  return file;
}

function dropDatabase(file: string): void {
  for (const s of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + s, { force: true });
}

/** The load generator's connection list: "<path> <sessionId>", connection i in room floor(i / MEMBERS). */
async function connList(kind: Kind, count: number, from = 0): Promise<string[]> {
  const index = Array.from({ length: count }, (_, i) => from + i);
  if (kind !== 'C') return index.map((i) => `/ws ${Math.floor(i / MEMBERS) + 1}`);
  // tickets are single-use with a 30 s TTL: minted right before the load generator connects
  const setup = cSetup!;
  const tickets = await Promise.all(index.map((i) => setup.ctx.sessions.issueWsTicket({ id: setup.userIds[i], jti: crypto.randomUUID(), sid: 'bench' })));
  return tickets.map((t, k) => `/ws?ticket=${t.ticket} ${setup.sessionIds[Math.floor(index[k] / MEMBERS)]}`);
}

// ------------------------------------------------------------------------------------------------ the run
interface RoundResult {
  /** The best of the windows tried, and its window. */
  sat: LoadResult;
  window: number;
  byWindow: Map<number, LoadResult>;
  fixed: LoadResult;
}
interface IdleResult {
  established: number;
  connectsPerS: number;
  /** RSS growth from no socket to all of them, per socket */
  rssPerConn: number;
  /** RSS growth from half of them to all of them, per socket added */
  rssMarginal: number;
  heapPerConn: number;
  heapMarginal: number;
  gc: boolean;
}
const results: Record<Kind, RoundResult[]> = { A: [], B: [], C: [] };
const idle: Partial<Record<Kind, IdleResult>> = {};
const unavailable: Partial<Record<Kind, string>> = {};
const extraPid = redisPid();

async function withServer<T>(kind: Kind, fn: (s: Server) => Promise<T>): Promise<T> {
  let db: string | undefined;
  const extra: Record<string, string> = {};
  if (kind === 'C') {
    db = await freshCDatabase(cSetup!);
    Object.assign(extra, cSetup!.env, { DATABASE_URL: `file:${db}` });
  }
  const server = await startServer(kind, extra);
  try {
    return await fn(server);
  } catch (e) {
    const out = server.output();
    throw new Error(`${(e as Error).message}${out ? `\nserver ${kind} output:\n${out}` : ''}`, { cause: e });
  } finally {
    await server.stop();
    if (db) dropDatabase(db);
  }
}

const commonArgs = (s: Server) => ['--port', String(s.port), '--server-pid', String(s.pid), '--extra-pid', String(s.kind === 'C' ? extraPid : 0), '--core', SERVER_CPU];

/** A fixed-rate run kept up with its target: deliveries inside the window within 3 % of it (more means a backlog
 *  from the warm-up was being drained), none lost. */
const sustained = (r: LoadResult) => Math.abs(r.deliveries_per_s - r.target_rate) <= 0.03 * r.target_rate && r.loss === 0;

async function round(kind: Kind): Promise<RoundResult> {
  const timing = ['--warmup', String(WARMUP), '--duration', String(SECONDS), '--drain', String(DRAIN), '--reads-per-s', String(READS)];
  const byWindow = new Map<number, LoadResult>();
  const saturate = async (server: Server, window: number) => {
    const r = await runLoadgen(await connList(kind, CONNS), [...commonArgs(server), '--mode', 'sat', '--window', String(window), ...timing]).result;
    if (r.joined < CONNS) throw new Error(`only ${r.joined} of ${CONNS} sockets joined`);
    byWindow.set(window, r);
    return r;
  };
  const best = () => {
    const [window, sat] = [...byWindow].reduce((a, b) => (b[1].deliveries_per_s > a[1].deliveries_per_s ? b : a));
    return { window, sat };
  };
  // each window on a fresh server (for C: a fresh copy of the database), so that none measures what the one before left
  for (const window of WINDOWS.slice(0, -1)) await withServer(kind, (server) => saturate(server, window));
  // The fixed-rate row runs on a fresh server too, so that it measures the steady state at that rate rather than the
  // aftermath of a saturated run: C's checkpointer would still be copying what saturation left in the WAL.
  // BENCH_CHAT_FIXED_AFTER_SAT=1 measures it on the server of the last window.
  if (FIXED_AFTER_SAT) {
    return withServer(kind, async (server) => {
      await saturate(server, WINDOWS.at(-1)!);
      const b = best();
      return { ...b, byWindow, fixed: await fixedRate(kind, server, b.sat, timing) };
    });
  }
  await withServer(kind, (server) => saturate(server, WINDOWS.at(-1)!));
  const b = best();
  return { ...b, byWindow, fixed: await withServer(kind, (server) => fixedRate(kind, server, b.sat, timing)) };
}

/** The fixed rate: FIXED_RATE, or 80 % of what this server sustained at saturation when that is lower (once more at
 *  60 % when the achieved rate fell short of the target: the server could not sustain it). */
async function fixedRate(kind: Kind, server: Server, sat: LoadResult, timing: string[]): Promise<LoadResult> {
  let fixed: LoadResult | undefined;
  for (const share of [0.8, 0.6]) {
    const rate = Math.max(1000, Math.min(FIXED_RATE, Math.floor((sat.deliveries_per_s * share) / 1000) * 1000));
    if (fixed && rate >= fixed.target_rate) break;
    await sleep(1000);
    fixed = await runLoadgen(await connList(kind, CONNS), [...commonArgs(server), '--mode', 'rate', '--rate', String(rate), ...timing]).result;
    if (sustained(fixed)) break;
    log(`    ${kind}: ${fixed.target_rate} deliveries/s not sustained (${Math.round(fixed.deliveries_per_s)} achieved, loss ${(fixed.loss * 100).toFixed(2)} %)`);
  }
  return fixed!;
}

// Two bursts: half of the sockets, a sample, the other half (the first half still open), a sample. Growth from the
// first sample (no socket) to the last is what the whole idle population added, one-time costs included (code
// compiled for the new paths, caches, and native memory the allocator kept from the burst: in C that moves by
// ±5 KB per socket from run to run); growth over the second half is what one more idle socket costs.
async function idleTest(kind: Kind): Promise<IdleResult> {
  return withServer(kind, async (server) => {
    await sleep(500);
    const before = await server.probe();
    const half = Math.floor(IDLE / 2 / MEMBERS) * MEMBERS;
    const first = runLoadgen(await connList(kind, half), [...commonArgs(server), '--mode', 'idle', '--concurrency', '256']);
    await first.ready;
    await sleep(1000);
    const mid = await server.probe();
    const second = runLoadgen(await connList(kind, IDLE - half, half), [...commonArgs(server), '--mode', 'idle', '--concurrency', '256']);
    await second.ready;
    await sleep(1000);
    const after = await server.probe();
    first.finish();
    second.finish();
    const [r1, r2] = [await first.result, await second.result];
    const n = Math.max(1, r1.established + r2.established);
    const n2 = Math.max(1, r2.established);
    const heap = (p: Probe) => p.heapUsed + p.external;
    if (env.BENCH_CHAT_VERBOSE === '1') {
      const per = (f: (p: Probe) => number) => `${((f(after) - f(before)) / n / 1024).toFixed(2)} (second half ${((f(after) - f(mid)) / n2 / 1024).toFixed(2)})`;
      log(
        `    ${kind} idle, KB per socket: rss ${per((p) => p.rss)}, V8 heap committed ${per((p) => p.heapTotal)}, of it young generation ${per((p) => p.newSpace)}, heapUsed+external ${per(heap)}, rss outside the V8 heap ${per((p) => p.rss - p.heapTotal)}`,
      );
    }
    return {
      established: r1.established + r2.established,
      // both bursts: sockets upgraded per second of connecting
      connectsPerS: (r1.established + r2.established) / Math.max(1e-9, r1.connect_s + r2.connect_s),
      rssPerConn: (after.rss - before.rss) / n,
      rssMarginal: (after.rss - mid.rss) / n2,
      heapPerConn: (heap(after) - heap(before)) / n,
      heapMarginal: (heap(after) - heap(mid)) / n2,
      gc: after.gc,
    };
  });
}

// The disk C writes its database to, alone: 16 KB written and fsync'd every millisecond (C's group commit syncs the
// WAL at every commit, and at 100 k deliveries/s it commits a few hundred times a second), in the same folder as C's
// database. A durable ack can never come sooner than the fsync before it: the disk's own stalls are a floor under C's
// latency (one cause of its p99 among others: docs/decisions/0003-synchronous-full.md).
interface DiskProbe {
  n: number;
  p99: number;
  max: number;
  over20: number;
}
function diskProbe(seconds: number): DiskProbe {
  const file = path.join(workDir, 'fsync-probe.bin');
  const fd = fs.openSync(file, 'w+');
  const chunk = Buffer.alloc(16 * 1024, 1);
  // written in full first, then overwritten in a circle, like the WAL between two restarts
  const size = 16 * 1024 * 1024;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const lat: number[] = [];
  try {
    fs.writeSync(fd, Buffer.alloc(size), 0, size, 0);
    fs.fsyncSync(fd);
    const until = Date.now() + seconds * 1000;
    for (let off = 0; Date.now() < until; off = (off + chunk.length) % size) {
      const t = process.hrtime.bigint();
      fs.writeSync(fd, chunk, 0, chunk.length, off);
      fs.fsyncSync(fd);
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      Atomics.wait(pause, 0, 0, 1);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  lat.sort((a, b) => a - b);
  return { n: lat.length, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN, max: lat.at(-1) ?? NaN, over20: lat.filter((x) => x > 20).length };
}
const disk: DiskProbe[] = [];

const startedAt = Date.now();
const load0 = os.loadavg()[0];
log(
  `bench:chat — ${ROOMS} rooms x ${MEMBERS} sockets, ${SIZE}-byte contents, ${ROUNDS} round(s) of ${SECONDS} s (+${WARMUP} s warm-up), servers ${SERVERS.join(',')}, idle test ${IDLE} sockets, fd limit ${fdLimit}`,
);
try {
  if (SERVERS.includes('C')) {
    log('C: seeding users and sessions…');
    cSetup = await setupC();
  }
  for (let r = 0; r < ROUNDS; r++) {
    if (SERVERS.includes('C') && DISK_PROBE > 0) {
      const d = diskProbe(DISK_PROBE);
      disk.push(d);
      log(`round ${r + 1} disk: ${d.n} fsyncs of 16 KB in ${DISK_PROBE} s, p99 ${d.p99.toFixed(2)} ms, max ${d.max.toFixed(1)} ms, ${d.over20} over 20 ms`);
    }
    // alternate the order: A,B,C / B,C,A / C,A,B …
    const order = SERVERS.map((_, i) => SERVERS[(i + r) % SERVERS.length]);
    for (const kind of order) {
      if (unavailable[kind]) continue;
      try {
        const res = await round(kind);
        results[kind].push(res);
        const { sat, fixed } = res;
        const windows = [...res.byWindow].map(([w, x]) => `${w}: ${Math.round(x.deliveries_per_s)}`).join(', ');
        log(
          `round ${r + 1} ${LABEL[kind]}: saturated ${Math.round(sat.deliveries_per_s)} deliveries/s at window ${res.window} (by window ${windows}) p50 ${sat.p50_ms} ms p99 ${sat.p99_ms} ms loss ${(sat.loss * 100).toFixed(2)} % (loadgen CPU ${sat.loadgen_cpu} %, steal ${sat.core_steal} %${sat.stalls ? `, ${sat.stalls} stalled windows` : ''}); ` +
            `fixed ${fixed.target_rate}/s: server CPU ${fixed.server_cpu} % (core ${fixed.core_busy} %, steal ${fixed.core_steal} %) p99 ${fixed.p99_ms} ms loss ${(fixed.loss * 100).toFixed(2)} %`,
        );
      } catch (e) {
        const msg = (e as Error).message;
        if (kind === 'C') {
          unavailable.C = msg.split('\n').slice(0, 12).join(' | ');
          log(`C is not usable: ${unavailable.C}`);
        } else throw e;
      }
    }
  }
  if (IDLE > 0) {
    // as many idle runs per server as rounds, alternating, medians: a single RSS sample moves by a few hundred
    // bytes per socket from run to run (V8 and malloc keep some of the connection burst's memory)
    const runs: Partial<Record<Kind, IdleResult[]>> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of SERVERS.map((_, i) => SERVERS[(i + r) % SERVERS.length])) {
        if (unavailable[kind]) continue;
        try {
          const i = await idleTest(kind);
          (runs[kind] ??= []).push(i);
          log(
            `idle ${r + 1} ${LABEL[kind]}: ${i.established} sockets, ${Math.round(i.connectsPerS)} connects/s, RSS ${(i.rssPerConn / 1024).toFixed(2)} KB/socket (second half ${(i.rssMarginal / 1024).toFixed(2)}), V8 heap+external ${(i.heapPerConn / 1024).toFixed(2)} KB/socket (second half ${(i.heapMarginal / 1024).toFixed(2)})`,
          );
        } catch (e) {
          log(`idle test of ${kind} failed: ${(e as Error).message}`);
        }
      }
    }
    for (const kind of SERVERS) {
      const list = runs[kind];
      if (!list?.length) continue;
      idle[kind] = {
        established: Math.min(...list.map((i) => i.established)),
        connectsPerS: median(list.map((i) => i.connectsPerS)),
        rssPerConn: median(list.map((i) => i.rssPerConn)),
        rssMarginal: median(list.map((i) => i.rssMarginal)),
        heapPerConn: median(list.map((i) => i.heapPerConn)),
        heapMarginal: median(list.map((i) => i.heapMarginal)),
        gc: list.every((i) => i.gc),
      };
    }
  }
} finally {
  if (cSetup) {
    await cSetup.ctx.close();
    await deleteRedisPrefix(cSetup.config, cSetup.config.redisPrefix);
  }
  fs.rmSync(workDir, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------------------ the table
const med = (kind: Kind, f: (r: RoundResult) => number) => median(results[kind].map(f));
const fmtInt = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const fmtMs = (x: number) => (Number.isFinite(x) && x >= 0 ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '—');
const fmtKb = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const fmtPct = (x: number) => (Number.isFinite(x) && x >= 0 ? `${x.toFixed(0)} %` : '—');
const fmtLoss = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(x > 0 && x < 0.001 ? 4 : 2)} %` : '—');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '—');

type Row = [string, (k: Kind) => number, (x: number) => string, boolean];
const rows: Row[] = [
  ['saturated: deliveries/s', (k) => med(k, (r) => r.sat.deliveries_per_s), fmtInt, true],
  ...WINDOWS.map((win): Row => [`  at window ${win}`, (k) => med(k, (r) => r.byWindow.get(win)?.deliveries_per_s ?? NaN), fmtInt, true]),
  ['  best window (median)', (k) => med(k, (r) => r.window), fmtInt, false],
  ['  latency p50 (ms)', (k) => med(k, (r) => r.sat.p50_ms), fmtMs, false],
  ['  latency p99 (ms)', (k) => med(k, (r) => r.sat.p99_ms), fmtMs, false],
  ['  loss (not delivered)', (k) => med(k, (r) => r.sat.loss), fmtLoss, false],
  ['  server CPU (process)', (k) => med(k, (r) => r.sat.server_cpu), fmtPct, false],
  ['  load generator CPU', (k) => med(k, (r) => r.sat.loadgen_cpu), fmtPct, false],
  ['  CPU 0 stolen by the host', (k) => med(k, (r) => r.sat.core_steal), fmtPct, false],
  ['fixed rate: deliveries/s', (k) => med(k, (r) => r.fixed.target_rate), fmtInt, false],
  ['  achieved deliveries/s', (k) => med(k, (r) => r.fixed.deliveries_per_s), fmtInt, false],
  ['  server CPU (process)', (k) => med(k, (r) => r.fixed.server_cpu), fmtPct, true],
  ['  CPU 0 busy (incl. softirq, steal)', (k) => med(k, (r) => r.fixed.core_busy), fmtPct, true],
  ['  CPU 0 stolen by the host', (k) => med(k, (r) => r.fixed.core_steal), fmtPct, false],
  ['  latency p50 (ms)', (k) => med(k, (r) => r.fixed.p50_ms), fmtMs, false],
  ['  latency p99 (ms)', (k) => med(k, (r) => r.fixed.p99_ms), fmtMs, true],
  ['  loss (not delivered)', (k) => med(k, (r) => r.fixed.loss), fmtLoss, false],
  ['  read frames sent per socket/s', (k) => med(k, (r) => r.fixed.reads_sent / (WARMUP + SECONDS) / CONNS), (x) => (Number.isFinite(x) ? x.toFixed(2) : '—'), false],
  ['  read frames received/s', (k) => med(k, (r) => r.fixed.reads_in / (WARMUP + SECONDS)), fmtInt, false],
  ['  Redis CPU (C only)', (k) => (k === 'C' ? med(k, (r) => r.fixed.extra_cpu) : NaN), fmtPct, false],
  ['idle: RSS per socket (KB)', (k) => (idle[k] ? idle[k].rssPerConn / 1024 : NaN), fmtKb, true],
  ['  V8 heap+external (KB)', (k) => (idle[k] ? idle[k].heapPerConn / 1024 : NaN), fmtKb, true],
  ['  second half: RSS (KB)', (k) => (idle[k] ? idle[k].rssMarginal / 1024 : NaN), fmtKb, true],
  ['  second half: V8 (KB)', (k) => (idle[k] ? idle[k].heapMarginal / 1024 : NaN), fmtKb, true],
  ['connects/s (upgrade)', (k) => idle[k]?.connectsPerS ?? NaN, fmtInt, true],
];

const w0 = Math.max(30, ...rows.map((r) => r[0].length + 1));
/** The CPU's model name, with its family and model numbers and clock when /proc/cpuinfo has them: this VM's model name
 *  ("AMD EPYC") does not tell one host generation from another, and runs on different hosts are not comparable. */
function cpuName(): string {
  const name = os.cpus()[0]?.model ?? '?';
  let info = '';
  try {
    info = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0];
  } catch {
    return name;
  }
  const field = (key: string) => new RegExp(`^${key}\\s*: (.*)$`, 'm').exec(info)?.[1]?.trim();
  const [family, model, mhz] = [field('cpu family'), field('model'), field('cpu MHz')];
  const parts = [family && model ? `family ${family} model ${model}` : '', mhz ? `${Math.round(Number(mhz))} MHz` : ''].filter(Boolean);
  return parts.length ? `${name} (${parts.join(', ')})` : name;
}
const w = 15;
const lines: string[] = [];
lines.push('');
lines.push(`agora bench:chat — ${ROOMS} rooms x ${MEMBERS} sockets (${CONNS}), ${SIZE}-byte content, each message delivered to the ${MEMBERS} members (sender included)`);
lines.push(
  `server pinned to CPU ${SERVER_CPU}, C load generator to CPU ${LOADGEN_CPU}; ${ROUNDS} alternating round(s), medians; ${SECONDS} s measured after ${WARMUP} s warm-up; saturation = the best of ${WINDOWS.join(', ')} unacked sends per socket (closed loop), per server; the rows under it are of that best window; ${READS ? `read state on: ${READS} \`read\` per socket per second in both rows` : 'read state off'}`,
);
lines.push(
  `node ${process.version}, uWebSockets.js ${(require('uWebSockets.js/package.json') as { version: string }).version}, ws ${(require('ws/package.json') as { version: string }).version}, gcc ${gccVersion}, ${cores} x ${cpuName()}, load average ${load0.toFixed(2)} at start, ${Math.round((Date.now() - startedAt) / 1000)} s`,
);
lines.push('');
lines.push(`${''.padEnd(w0)}${SERVERS.map((k) => LABEL[k].padStart(w)).join('')}${SERVERS.includes('C') ? ['C/A', 'C/B'].map((s) => s.padStart(9)).join('') : ''}`);
for (const [name, get, fmt, withRatio] of rows) {
  const vals = SERVERS.map((k) => get(k));
  let line = `${name.padEnd(w0)}${vals.map((v) => fmt(v).padStart(w)).join('')}`;
  if (withRatio && SERVERS.includes('C')) line += `${ratio(get('C'), get('A')).padStart(9)}${ratio(get('C'), get('B')).padStart(9)}`;
  lines.push(line);
}
lines.push('');
lines.push(
  `idle: ${IDLE} sockets connected and joined (rooms of ${MEMBERS}) in two bursts of half, growth of the server's RSS (and of V8 heapUsed+external) from before the first burst to after the second, and over the second burst alone ("second half": what one more idle socket costs, without the one-time costs of the first burst), each sampled after a forced full GC (--expose-gc, SIGUSR2 to bench/chat/probe.ts); connects/s = upgrades completed per second with 256 in flight; medians of ${ROUNDS} run(s) per server.`,
);
if (SERVERS.includes('C')) {
  if (unavailable.C) lines.push(`C could not be measured: ${unavailable.C}`);
  else if (results.C.length) {
    const cSat = med('C', (r) => r.sat.deliveries_per_s);
    const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
    lines.push('goals (issue #8):');
    if (SERVERS.includes('A'))
      lines.push(
        `  C >= 50 % of A's saturated deliveries/s: ${ratio(
          cSat,
          med('A', (r) => r.sat.deliveries_per_s),
        )} — ${goal(cSat >= 0.5 * med('A', (r) => r.sat.deliveries_per_s))}`,
      );
    if (SERVERS.includes('B'))
      lines.push(
        `  C >= 4x B's saturated deliveries/s: ${ratio(
          cSat,
          med('B', (r) => r.sat.deliveries_per_s),
        )} — ${goal(cSat >= 4 * med('B', (r) => r.sat.deliveries_per_s))}`,
      );
    const p99 = med('C', (r) => r.fixed.p99_ms);
    lines.push(`  C p99 < 20 ms at ${CONNS} sockets below saturation (${fmtInt(med('C', (r) => r.fixed.target_rate))} deliveries/s): ${fmtMs(p99)} ms — ${goal(p99 < 20)}`);
    if (disk.length) {
      const d = { p99: median(disk.map((x) => x.p99)), max: Math.max(...disk.map((x) => x.max)), over20: disk.reduce((a, x) => a + x.over20, 0), n: disk.reduce((a, x) => a + x.n, 0) };
      lines.push(
        `    the disk under C's database, alone (16 KB written and fsync'd every ms, ${DISK_PROBE} s per round): fsync p99 ${d.p99.toFixed(2)} ms (median of rounds), max ${d.max.toFixed(1)} ms, ${d.over20} of ${d.n} over 20 ms; a durable ack waits for one`,
      );
    }
    if (idle.C) lines.push(`  C idle memory < 4 KB per socket: ${(idle.C.rssPerConn / 1024).toFixed(2)} KB RSS — ${goal(idle.C.rssPerConn < 4096)}`);
  }
}
if (SERVERS.some((k) => idle[k] && !idle[k].gc)) lines.push('warning: a server ran without --expose-gc: its idle memory was sampled without a forced GC');
const unsustained = SERVERS.filter((k) => results[k].some((r) => !sustained(r.fixed)));
if (unsustained.length)
  lines.push(`note: the fixed rate was not sustained by ${unsustained.join(', ')} in some round (deliveries not within 3 % of the target, or loss): its fixed-rate latency is a queueing figure`);
const lgMax = Math.max(...SERVERS.flatMap((k) => results[k].map((r) => r.sat.loadgen_cpu)));
if (lgMax > 90) lines.push(`warning: the load generator used up to ${lgMax.toFixed(0)} % of its CPU at saturation: it may be the bottleneck`);
if (load0 > 0.5) lines.push(`note: the machine was not idle at start (load average ${load0.toFixed(2)}): other processes share the CPUs, figures are noisy`);
console.log(lines.join('\n'));
process.exit(0);
