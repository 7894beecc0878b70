// Creates a superuser account from the terminal (superusers are never created over HTTP).
//   interactive:      npm run create-superuser            (prompts; the password is asked twice, not echoed)
//   non-interactive:  npm run create-superuser -- --name root --email root@example.com --password-stdin
//                     or SUPERUSER_NAME / SUPERUSER_EMAIL / SUPERUSER_PASSWORD in the environment (Docker)
// Exit codes: 0 created, 1 unexpected failure, 2 invalid input, 3 name or email already taken.
import { parseArgs } from 'node:util';
import { createAuditLog } from '../audit/index.js';
import { loadConfigOrExit } from '../config.js';
import { AppError } from '../http/errors.js';
import { pendingMigrations } from '../platform/migrate.js';
import { createLogger } from '../platform/logger.js';
import { createPrisma } from '../platform/prisma.js';
import { UsersService } from '../users/service.js';
import { createPrompter, readAllStdin } from './prompt.js';

export const EXIT = { ok: 0, failure: 1, invalid: 2, exists: 3 } as const;

const usage = `usage: create-superuser [--name NAME] [--email EMAIL] [--password-stdin]
  Prompts for whatever is missing when run in a terminal. Without a terminal, give --name, --email and
  --password-stdin (the password is read from standard input), or set SUPERUSER_NAME, SUPERUSER_EMAIL and
  SUPERUSER_PASSWORD.`;

function fail(code: number, message: string): never {
  process.stderr.write(`create-superuser: ${message}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: { name: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }).values;
} catch (e) {
  fail(EXIT.invalid, `${(e as Error).message}\n${usage}`);
}
if (args.help) {
  process.stdout.write(usage + '\n');
  process.exit(EXIT.ok);
}

const config = loadConfigOrExit();
const interactive = process.stdin.isTTY === true && !args['password-stdin'];

let name = args.name ?? process.env.SUPERUSER_NAME;
let email = args.email ?? process.env.SUPERUSER_EMAIL;
let password: string | undefined;
if (args['password-stdin']) {
  password = (await readAllStdin()).replace(/\r?\n$/, '');
  if (!password) fail(EXIT.invalid, 'no password on standard input');
} else {
  password = process.env.SUPERUSER_PASSWORD;
}

if (interactive) {
  const prompt = createPrompter();
  try {
    name ??= (await prompt.ask('Name: ')).trim();
    email ??= (await prompt.ask('Email: ')).trim();
    if (password === undefined) {
      password = await prompt.ask('Password: ', { hidden: true });
      const again = await prompt.ask('Password (again): ', { hidden: true });
      if (password !== again) fail(EXIT.invalid, 'the passwords do not match');
    }
  } catch (e) {
    fail(EXIT.invalid, (e as Error).message);
  } finally {
    prompt.close();
  }
}
if (!name || !email || password === undefined) {
  fail(EXIT.invalid, `name, email and password are required\n${usage}`);
}

try {
  const pending = await pendingMigrations(config);
  if (pending.length) fail(EXIT.failure, `the database is not migrated (${pending.length} pending migration(s)): run \`npm run db:migrate\` first`);
} catch (e) {
  fail(EXIT.failure, `cannot check the database: ${(e as Error).message}`);
}

const prisma = await createPrisma(config);
try {
  const audit = await createAuditLog(config, prisma, createLogger(config, 'cli'));
  const users = new UsersService({ prisma, audit });
  const user = await users.create({ name, email, password }, 'superuser', null);
  await audit.close();
  process.stdout.write(`Superuser ${user.name} <${user.email}> created (id ${user.id}).\n`);
} catch (e) {
  if (e instanceof AppError && e.status === 409) {
    fail(EXIT.exists, `a user with this ${e.errors?.map((f) => f.field).join(' and ') ?? 'name or email'} already exists; nothing was changed`);
  }
  if (e instanceof AppError && e.status === 400) {
    fail(EXIT.invalid, e.errors?.map((f) => f.message).join('; ') ?? e.message);
  }
  fail(EXIT.failure, (e as Error).message);
} finally {
  await prisma.$disconnect();
}
