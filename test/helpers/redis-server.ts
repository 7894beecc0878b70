// A redis-server of a test's own, on a free port and without persistence, that the test may kill (SIGKILL) and
// start again on the same port, as an operator's Redis crashing and coming back.
import { spawn, type ChildProcess } from 'node:child_process';
import { exitOf, freePort } from './process.js';
import { waitFor } from './wait.js';

export interface OwnRedis {
  url: string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills it for good (afterAll). */
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('redis-server to start', () => out.includes('Ready to accept connections') || c.exitCode !== null, 30_000, 20);
    if (c.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGKILL');
    await exitOf(c);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, kill, start, stop: kill };
}
