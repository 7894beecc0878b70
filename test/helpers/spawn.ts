import { spawn } from 'node:child_process';
import { projectRoot } from '../../src/platform/paths.js';
import { processTimeoutMs } from './process.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry of the project in a real child process (node + tsx), as `npm run …` would; killed (SIGKILL)
 * when it has not exited after `timeoutMs` (processTimeoutMs by default).
 */
export function runTs(entry: string, args: string[], opts: { env: Record<string, string>; input?: string; timeoutMs?: number }): Promise<RunResult> {
  return runCommand(process.execPath, ['--import', 'tsx', entry, ...args], opts);
}

export function runCommand(cmd: string, args: string[], opts: { env: Record<string, string>; input?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? processTimeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
