import readline from 'node:readline';
import { Writable } from 'node:stream';

export interface Prompter {
  /** Asks one question on the terminal; with `hidden`, what is typed is not echoed. */
  ask(question: string, opts?: { hidden?: boolean }): Promise<string>;
  close(): void;
}

/** One readline interface for the whole dialogue, so answers typed ahead are kept, not lost. */
export function createPrompter(): Prompter {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question, opts = {}) {
      process.stderr.write(question);
      muted = opts.hidden === true;
      try {
        const next = await lines.next();
        if (next.done) throw new Error('input closed before an answer was given');
        return next.value;
      } finally {
        if (muted) process.stderr.write('\n');
        muted = false;
      }
    },
    close: () => rl.close(),
  };
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
