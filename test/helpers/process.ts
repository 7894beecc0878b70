// Shared by the process tier (test/process/): ports, readiness and exits of child processes. A child process
// starts node, tsx and the project's modules before it serves: seconds on an idle machine, far more on a busy
// one. So every wait for a process is bounded by processTimeoutMs (generous), never by a short fixed delay, and the
// jest timeout of a test that waits is a multiple of it.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { waitFor } from './wait.js';

/** The bound of any one wait for a child process: to be ready, to answer, or to exit. */
export const processTimeoutMs = 90_000;

/** A TCP port free at the time of the call, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The first answer of `url` with the expected status (any status when `status` is null), polled until it comes.
 * Fails at once when `child` exits first.
 */
export async function waitForHttp(url: string, opts: { child?: ChildProcess; status?: number | null; timeoutMs?: number } = {}): Promise<Response> {
  const { child, status = 200, timeoutMs = processTimeoutMs } = opts;
  let last = 'no answer';
  try {
    return await waitFor(
      `${status === null ? 'an answer' : `status ${status}`} from ${url}`,
      async () => {
        if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`the process exited (${child.exitCode ?? child.signalCode}) before ${url} answered`);
        try {
          const res = await fetch(url);
          if (status === null || res.status === status) return res;
          last = `status ${res.status}`;
        } catch (e) {
          last = String(e);
        }
        return null;
      },
      timeoutMs,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (last: ${last})`, { cause: e });
  }
}

/** The child's exit code (null when a signal ended it), once it has exited. */
export function exitOf(child: ChildProcess, timeoutMs = processTimeoutMs): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The bound of any one wait in a browser test (a page to load, an element to show, a row to change). */
export const browserTimeoutMs = 60_000;
