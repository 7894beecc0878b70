// The create-superuser command as a function: its arguments, environment and standard streams are parameters and
// its exit code is the result, so that the bin (create-superuser.ts) and the tests run the same code.
//   interactive:      npm run create-superuser            (prompts; the password is asked twice, not echoed)
//   non-interactive:  npm run create-superuser -- --name root --email root@example.com --password-stdin
//                     or SUPERUSER_NAME / SUPERUSER_EMAIL / SUPERUSER_PASSWORD in the environment (Docker)
// Exit codes: 0 created, 1 unexpected failure, 2 invalid input, 3 name or email already taken.
import { parseArgs } from 'node:util';
import { createAuditLog } from '../audit/index.js';
import type { AuditLog } from '../audit/service.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { AppError, type ErrorKind } from '../errors.js';
import { pendingMigrations } from '../platform/migrate.js';
import { createLogger } from '../platform/logger.js';
import { createPrisma } from '../platform/prisma.js';
import { UsersService } from '../users/service.js';
import { createPrompter, readAll, type PromptInput } from './prompt.js';

export const EXIT = { ok: 0, failure: 1, invalid: 2, exists: 3 } as const;

/** The exit code of a service's refusal, by its kind: anything but bad input or a taken value is a failure. */
export function exitCodeOf(kind: ErrorKind): number {
  return kind === 'invalid' ? EXIT.invalid : kind === 'conflict' ? EXIT.exists : EXIT.failure;
}

/** The command's standard streams: the process's own in the bin, in-memory streams in the tests. */
export interface CliIo {
  stdin: PromptInput;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const usage = `usage: create-superuser [--name NAME] [--email EMAIL] [--password-stdin]
  Prompts for whatever is missing when run in a terminal. Without a terminal, give --name, --email and
  --password-stdin (the password is read from standard input), or set SUPERUSER_NAME, SUPERUSER_EMAIL and
  SUPERUSER_PASSWORD.`;

/** Ends the command with an exit code and one line on stderr. */
class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(code: number, message: string): never {
  throw new Exit(code, message);
}

/**
 * Runs create-superuser with `argv` (the arguments after the command's name) and `env` (read as the process's
 * environment, with the project's .env filling what is missing; `env` itself is not changed). Resolves to the
 * exit code; writes only to `io`.
 */
export async function createSuperuser(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  try {
    return await run(argv, { ...env }, io);
  } catch (e) {
    if (e instanceof Exit) {
      io.stderr.write(`create-superuser: ${e.message}\n`);
      return e.code;
    }
    if (e instanceof ConfigError) {
      io.stderr.write(`agora: configuration error: ${e.message}\n`);
      return EXIT.failure;
    }
    io.stderr.write(`create-superuser: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
}

async function run(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { name: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (e) {
    fail(EXIT.invalid, `${(e as Error).message}\n${usage}`);
  }
  if (args.help) {
    io.stdout.write(usage + '\n');
    return EXIT.ok;
  }

  const config = loadConfig(env, { dotenv: true });
  const interactive = io.stdin.isTTY === true && !args['password-stdin'];

  let name = args.name ?? env.SUPERUSER_NAME;
  let email = args.email ?? env.SUPERUSER_EMAIL;
  let password: string | undefined;
  if (args['password-stdin']) {
    password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
    if (!password) fail(EXIT.invalid, 'no password on standard input');
  } else {
    password = env.SUPERUSER_PASSWORD;
  }

  if (interactive) {
    const prompt = createPrompter(io.stdin, io.stderr);
    try {
      name ??= (await prompt.ask('Name: ')).trim();
      email ??= (await prompt.ask('Email: ')).trim();
      if (password === undefined) {
        password = await prompt.ask('Password: ', { hidden: true });
        const again = await prompt.ask('Password (again): ', { hidden: true });
        if (password !== again) fail(EXIT.invalid, 'the passwords do not match');
      }
    } catch (e) {
      if (e instanceof Exit) throw e;
      fail(EXIT.invalid, (e as Error).message);
    } finally {
      prompt.close();
    }
  }
  if (!name || !email || password === undefined) {
    fail(EXIT.invalid, `name, email and password are required\n${usage}`);
  }

  let pending: string[];
  try {
    pending = await pendingMigrations(config);
  } catch (e) {
    fail(EXIT.failure, `cannot check the database: ${(e as Error).message}`);
  }
  if (pending.length) fail(EXIT.failure, `the database is not migrated (${pending.length} pending migration(s)): run \`npm run db:migrate\` first`);

  const user = await createUser(config, { name, email, password });
  io.stdout.write(`Superuser ${user.name} <${user.email}> created (id ${user.id}).\n`);
  return EXIT.ok;
}

async function createUser(config: Config, input: { name: string; email: string; password: string }) {
  const prisma = await createPrisma(config);
  let audit: AuditLog | undefined;
  try {
    audit = await createAuditLog(config, prisma, createLogger(config, 'cli'));
    return await new UsersService({ prisma, audit }).create(input, 'superuser', null);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    const code = exitCodeOf(e.kind);
    if (code === EXIT.exists) fail(code, `a user with this ${e.errors?.map((f) => f.field).join(' and ') ?? 'name or email'} already exists; nothing was changed`);
    if (code === EXIT.invalid) fail(code, e.errors?.map((f) => f.message).join('; ') ?? e.message);
    fail(code, e.message);
  } finally {
    await audit?.close();
    await prisma.$disconnect();
  }
}
