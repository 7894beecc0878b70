import readline from 'node:readline';
import { Writable } from 'node:stream';

/** A command's standard input: a terminal when `isTTY` is true. */
export type PromptInput = NodeJS.ReadableStream & { isTTY?: boolean };

export interface Prompter {
  /** Asks one question on the terminal; with `hidden`, what is typed is not echoed. */
  ask(question: string, opts?: { hidden?: boolean }): Promise<string>;
  close(): void;
}

/**
 * One readline interface for the whole dialogue, so answers typed ahead are kept, not lost. Questions (and, in a
 * terminal, the echo of what is typed, except for hidden answers) go to `output`.
 */
export function createPrompter(input: PromptInput = process.stdin, output: NodeJS.WritableStream = process.stderr): Prompter {
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) output.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input, output: echo, terminal: input.isTTY === true });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question, opts = {}) {
      output.write(question);
      muted = opts.hidden === true;
      try {
        const next = await lines.next();
        if (next.done) throw new Error('input closed before an answer was given');
        return next.value;
      } finally {
        if (muted) output.write('\n');
        muted = false;
      }
    },
    close: () => rl.close(),
  };
}

/** Everything a stream gives until its end (the password of `--password-stdin`). */
export async function readAll(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}
