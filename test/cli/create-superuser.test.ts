// create-superuser in this process: createSuperuser(argv, env, io) with in-memory standard streams, on a real
// database. The bin itself (a real process, its exit code) is test/process/create-superuser.test.ts.
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyPassword } from '../../src/auth/passwords.js';
import { createSuperuser, EXIT } from '../../src/cli/superuser.js';
import { createPrisma, type Db } from '../../src/platform/prisma.js';
import { testEnv } from '../helpers/context.js';
import { emptyDatabase, freshDatabase, testProvider, type TestDatabase } from '../helpers/db.js';

const password = 'Sup3r!secret';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A writable stream that keeps what is written, and calls `onText` with all of it after each write. */
function collector(onText: (all: string) => void = () => undefined): Writable & { text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      text += chunk.toString();
      onText(text);
      cb();
    },
  });
  return Object.assign(w, { text: () => text });
}

/** Runs the command with `input` as a non-terminal standard input (closed after it). */
async function run(argv: string[], env: Record<string, string>, input = ''): Promise<Result> {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = collector();
  const stderr = collector();
  const code = await createSuperuser(argv, env, { stdin, stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Runs the command on a fake terminal: each answer is typed (with Enter) once its prompt is on stderr, as a person
 * would. Returns what the terminal showed and whether the command switched it to raw mode (no echo by the terminal).
 */
async function typed(argv: string[], env: Record<string, string>, answers: string[]): Promise<Result & { rawMode: boolean[] }> {
  const rawMode: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => rawMode.push(on) });
  const prompts = ['Name: ', 'Email: ', 'Password: ', 'Password (again): '];
  let step = 0;
  let seen = 0;
  const stderr = collector((all) => {
    const at = step < prompts.length ? all.indexOf(prompts[step], seen) : -1;
    if (at < 0) return;
    seen = at + prompts[step].length;
    const answer = answers[step++];
    // past the last answer, the person closes the terminal (Ctrl-D)
    setImmediate(() => (answer === undefined ? stdin.end() : stdin.write(`${answer}\r`)));
  });
  const stdout = collector();
  const code = await createSuperuser(argv, env, { stdin, stdout, stderr });
  stdin.destroy();
  return { code, stdout: stdout.text(), stderr: stderr.text(), rawMode };
}

describe(`create-superuser (${testProvider})`, () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let prisma: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    env = testEnv(db);
    prisma = await createPrisma({ databaseProvider: db.provider, databaseUrl: db.url, sqlitePath: db.provider === 'sqlite' ? db.url.slice(5) : null });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('creates a superuser non-interactively with the password on stdin', async () => {
    const r = await run(['--name', 'root', '--email', 'Root@Example.com', '--password-stdin'], env, `${password}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^Superuser root <root@example\.com> created \(id \d+\)\.\n$/);
    const user = await prisma.user.findUniqueOrThrow({ where: { name: 'root' } });
    expect(user.role).toBe('superuser');
    expect(user.email).toBe('root@example.com');
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.passwordHash, password)).toBe(true);
    expect(await verifyPassword(user.passwordHash, 'wrong')).toBe(false);
  });

  it('refuses a duplicate name or email with exit code 3 and changes nothing', async () => {
    const before = await prisma.user.findUniqueOrThrow({ where: { name: 'root' } });
    const again = await run(['--name', 'root', '--email', 'other@example.com', '--password-stdin'], env, password);
    expect(again).toEqual({ code: 3, stdout: '', stderr: 'create-superuser: a user with this name already exists; nothing was changed\n' });
    const sameEmail = await run(['--name', 'root2', '--email', 'root@example.com', '--password-stdin'], env, password);
    expect(sameEmail.code).toBe(3);
    expect(sameEmail.stderr).toBe('create-superuser: a user with this email already exists; nothing was changed\n');
    expect(await prisma.user.count()).toBe(1);
    expect((await prisma.user.findUniqueOrThrow({ where: { name: 'root' } })).passwordHash).toBe(before.passwordHash);
  });

  it('applies the account rules (exit code 2, naming the field)', async () => {
    const weak = await run(['--name', 'admin2', '--email', 'a2@example.com', '--password-stdin'], env, 'weakpass');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/^create-superuser: password /);
    const badName = await run(['--name', '9lives', '--email', 'a3@example.com', '--password-stdin'], env, password);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/^create-superuser: name /);
    const missing = await run(['--name', 'admin4'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('name, email and password are required');
    const unknownFlag = await run(['--nmae', 'x'], env);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/^create-superuser: Unknown option '--nmae'/);
    expect(unknownFlag.stderr).toContain('usage: create-superuser');
    const noPassword = await run(['--name', 'admin5', '--email', 'a5@example.com', '--password-stdin'], env, '\n');
    expect(noPassword).toEqual({ code: 2, stdout: '', stderr: 'create-superuser: no password on standard input\n' });
    for (const r of [weak, badName, missing, unknownFlag]) expect(r.stdout).toBe('');
    expect(await prisma.user.count()).toBe(1);
  });

  it('prints its usage with --help and exits 0', async () => {
    const r = await run(['--help'], env);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^usage: create-superuser \[--name NAME\]/);
    expect(r.stderr).toBe('');
  });

  it('takes SUPERUSER_NAME, SUPERUSER_EMAIL and SUPERUSER_PASSWORD from the environment', async () => {
    const r = await run([], { ...env, SUPERUSER_NAME: 'ops', SUPERUSER_EMAIL: 'ops@example.com', SUPERUSER_PASSWORD: password });
    expect(r.code).toBe(EXIT.ok);
    expect((await prisma.user.findUniqueOrThrow({ where: { name: 'ops' } })).role).toBe('superuser');
  });

  it('prompts in a terminal, hides the password and asks for it twice', async () => {
    const mismatch = await typed([], env, ['tty1', 'tty1@example.com', password, password + 'x']);
    expect(mismatch.code).toBe(EXIT.invalid);
    expect(mismatch.stderr).toContain('create-superuser: the passwords do not match\n');
    expect(await prisma.user.count({ where: { name: 'tty1' } })).toBe(0);

    const ok = await typed([], env, ['tty2', 'tty2@example.com', password, password]);
    expect(ok.stderr).toContain('Name: ');
    expect(ok.stderr).toContain('tty2@example.com'); // what is typed is echoed...
    expect(ok.stderr).toContain('Password (again): ');
    expect(ok.stderr).not.toContain(password); // ...but never the password
    expect(ok.rawMode[0]).toBe(true); // the terminal's own echo is off while the command reads
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toMatch(/^Superuser tty2 <tty2@example\.com> created/);
    expect((await prisma.user.findUniqueOrThrow({ where: { name: 'tty2' } })).role).toBe('superuser');
  });

  it('exits 2 when the terminal closes before an answer', async () => {
    const r = await typed([], env, ['tty3']);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.stderr).toContain('create-superuser: input closed before an answer was given\n');
  });

  it('stops with exit 1 and one line on a configuration error', async () => {
    const r = await run(['--name', 'cfg', '--email', 'cfg@example.com', '--password-stdin'], { ...env, REDIS_URL: 'nonsense' }, password);
    expect(r).toEqual({ code: EXIT.failure, stdout: '', stderr: 'agora: configuration error: REDIS_URL must be redis://host:port or rediss://host:port (got "nonsense")\n' });
  });

  it('explains what to do when the database has not been migrated', async () => {
    const empty = emptyDatabase();
    try {
      const r = await run(['--name', 'root', '--email', 'root@example.com', '--password-stdin'], testEnv(empty), password);
      expect(r.code).toBe(EXIT.failure);
      expect(r.stderr).toContain('run `npm run db:migrate` first');
    } finally {
      await empty.drop();
    }
  });
});
