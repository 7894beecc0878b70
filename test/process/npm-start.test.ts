// `npm start` as a user runs it, stopped as a terminal or a supervisor stops it: SIGTERM or SIGINT sent to the npm
// process alone. npm forwards the signal to its script, which must be the server itself (the script execs node), so
// the server shuts down cleanly, npm exits 0, both ports are free and no process of the tree is left behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { projectRoot } from '../../src/platform/paths.js';
import { deleteRedisPrefix, redisUrl, testEnv } from '../helpers/context.js';
import { emptyDatabase, testProvider } from '../helpers/db.js';
import { freePort, portClosed } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const SHUTDOWN_TIMEOUT_MS = 20_000;

/** Every process below `pid` (children, grandchildren, ...), from `ps` (Linux and macOS). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      found.push(c);
      queue.push(c);
    }
  }
  return found;
}

/**
 * The process exists and has not ended. An ended child whose parent is gone waits as a zombie for PID 1 to reap
 * it (a container's PID 1 may never do so): it holds nothing and counts as ended.
 */
function running(pid: number): boolean {
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat !== '' && !stat.startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}

/** The processes of `pids` still running after up to `timeoutMs`. */
async function stillRunning(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(running);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(running);
  }
  return left;
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

(testProvider === 'sqlite' ? describe : describe.skip)('npm start and signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the npm process stops the server: npm exits 0, the api and chat ports are free, no child is left',
    async (signal) => {
      const port = await freePort();
      const chatPort = await freePort();
      const db = emptyDatabase();
      const env = testEnv(db, {
        PORT: String(port),
        CHAT_PORT: String(chatPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LOG_PRETTY: 'false',
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      });
      const npm = spawn('npm', ['start'], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_update_notifier: 'false', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
      npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const done = exited(npm);
      let tree: number[] = [];
      try {
        // ready: both servers answer and the start function returned (its last log line), so the signal handlers are set
        await waitFor(
          'npm start to serve the api and the chat',
          async () => {
            if (npm.exitCode !== null) throw new Error(`npm start exited early with ${npm.exitCode}:\n${out}`);
            return out.includes('ai-worker running') && (await healthy(`http://127.0.0.1:${port}/readyz`)) && (await healthy(`http://127.0.0.1:${chatPort}/healthz`));
          },
          120_000,
          200,
        );
        tree = descendants(npm.pid!);
        expect(tree.length).toBeGreaterThan(0);

        npm.kill(signal);
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([done, new Promise<null>((r) => (timer = setTimeout(() => r(null), SHUTDOWN_TIMEOUT_MS + 15_000)))]);
        clearTimeout(timer);
        // the server was npm's child and has exited before npm did: its ports are free at once. Its own children
        // (tsx's esbuild service, when a file had to be compiled) end when it does, within moments.
        const after = {
          npm: result ?? 'still running',
          apiPortFree: await portClosed(port),
          chatPortFree: await portClosed(chatPort),
          left: await stillRunning(tree, 10_000),
        };
        expect(after).toEqual({ npm: { code: 0, signal: null }, apiPortFree: true, chatPortFree: true, left: [] });
        expect(out).toContain('"msg":"stopped"');
      } finally {
        for (const pid of [...tree, ...descendants(npm.pid!)]) if (running(pid)) process.kill(pid, 'SIGKILL');
        npm.kill('SIGKILL');
        await done;
        await deleteRedisPrefix({ redisUrl }, env.REDIS_PREFIX);
        await db.drop();
        fs.rmSync(path.dirname(env.DATA_DIR), { recursive: true, force: true });
      }
    },
    200_000,
  );
});
