import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyPassword } from '../../src/auth/passwords.js';
import { projectRoot } from '../../src/platform/paths.js';
import { createPrisma, type Db } from '../../src/platform/prisma.js';
import { testEnv } from '../helpers/context.js';
import { emptyDatabase, freshDatabase, testProvider, type TestDatabase } from '../helpers/db.js';
import { runTs } from '../helpers/spawn.js';

const entry = 'src/cli/create-superuser.ts';
const password = 'Sup3r!secret';

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
    await prisma.$disconnect();
    await db.drop();
  });

  it('creates a superuser non-interactively with the password on stdin', async () => {
    const r = await runTs(entry, ['--name', 'root', '--email', 'Root@Example.com', '--password-stdin'], { env, input: `${password}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
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
    const again = await runTs(entry, ['--name', 'root', '--email', 'other@example.com', '--password-stdin'], { env, input: password });
    expect(again.code).toBe(3);
    expect(again.stderr).toBe('create-superuser: a user with this name already exists; nothing was changed\n');
    const sameEmail = await runTs(entry, ['--name', 'root2', '--email', 'root@example.com', '--password-stdin'], { env, input: password });
    expect(sameEmail.code).toBe(3);
    expect(sameEmail.stderr).toContain('email already exists');
    expect(await prisma.user.count()).toBe(1);
    expect((await prisma.user.findUniqueOrThrow({ where: { name: 'root' } })).passwordHash).toBe(before.passwordHash);
  });

  it('applies the account rules (exit code 2, naming the field)', async () => {
    const weak = await runTs(entry, ['--name', 'admin2', '--email', 'a2@example.com', '--password-stdin'], { env, input: 'weakpass' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/^create-superuser: password /);
    const badName = await runTs(entry, ['--name', '9lives', '--email', 'a3@example.com', '--password-stdin'], { env, input: password });
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/^create-superuser: name /);
    const missing = await runTs(entry, ['--name', 'admin4'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('name, email and password are required');
    const unknownFlag = await runTs(entry, ['--nmae', 'x'], { env });
    expect(unknownFlag.code).toBe(2);
    expect(await prisma.user.count()).toBe(1);
  });

  it('takes SUPERUSER_NAME, SUPERUSER_EMAIL and SUPERUSER_PASSWORD from the environment', async () => {
    const r = await runTs(entry, [], { env: { ...env, SUPERUSER_NAME: 'ops', SUPERUSER_EMAIL: 'ops@example.com', SUPERUSER_PASSWORD: password } });
    expect(r.code).toBe(0);
    expect((await prisma.user.findUniqueOrThrow({ where: { name: 'ops' } })).role).toBe('superuser');
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  (hasScript ? it : it.skip)('prompts in a terminal, hides the password and asks for it twice', async () => {
    const cmd = `${process.execPath} --import tsx ${entry}`;
    // `script` gives the command a real pseudo-terminal; each answer is typed once its prompt is on screen
    const typed = (answers: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: projectRoot, env: { ...process.env, ...env, TERM: 'dumb' } });
        const prompts = ['Name: ', 'Email: ', 'Password: ', 'Password (again): '];
        let stdout = '';
        let step = 0;
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          while (step < answers.length && stdout.includes(prompts[step])) {
            child.stdin.write(answers[step] + '\r');
            step++;
          }
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout });
        });
      });
    const mismatch = await typed(['tty1', 'tty1@example.com', password, password + 'x']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stdout).toContain('the passwords do not match');
    const ok = await typed(['tty2', 'tty2@example.com', password, password]);
    expect(ok.stdout).toContain('Name: ');
    expect(ok.stdout).toContain('Password (again): ');
    expect(ok.stdout).not.toContain(password); // never echoed
    expect(ok.code).toBe(0);
    expect((await prisma.user.findUniqueOrThrow({ where: { name: 'tty2' } })).role).toBe('superuser');
  });

  it('explains what to do when the database has not been migrated', async () => {
    const empty = emptyDatabase();
    try {
      const r = await runTs(entry, ['--name', 'root', '--email', 'root@example.com', '--password-stdin'], { env: testEnv(empty), input: password });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('run `npm run db:migrate` first');
    } finally {
      await empty.drop();
    }
  });
});
