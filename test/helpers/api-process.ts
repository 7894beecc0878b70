// The api entry (src/main.ts) in a real child process on a free port, for the fault tests: started, signalled
// and restarted like an orchestrator would, its JSON log lines kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/platform/paths.js';
import { tmpRoot } from './db.js';
import { waitFor } from './wait.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface LogLine {
  level: number;
  time: string;
  msg: string;
  [key: string]: unknown;
}

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote (stdout and stderr). */
  output(): string;
  /** Its JSON log lines so far. */
  logs(): LogLine[];
  /** Resolves with the exit code (null after a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node --import tsx src/main.ts` with `env` and resolves once /healthz answers. */
export async function startApiProcess(env: Record<string, string>, port?: number): Promise<ApiProcess> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_PRETTY: 'false', ...env, LOG_LEVEL: 'info', PORT: String(p), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${p}`;
  await waitFor(
    'the api to answer /healthz',
    async () => {
      if (done) throw new Error(`the api exited before it served:\n${out}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    90_000,
    100,
  );
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  return { child, port: p, url, output: () => out, logs, exited };
}

/** Appends a measurement of a fault test to .test-tmp/fault-timings.jsonl (what the operations guide quotes). */
export function recordTiming(fault: string, values: Record<string, unknown>): void {
  fs.mkdirSync(tmpRoot, { recursive: true });
  fs.appendFileSync(path.join(tmpRoot, 'fault-timings.jsonl'), JSON.stringify({ fault, at: new Date().toISOString(), ...values }) + '\n');
}
