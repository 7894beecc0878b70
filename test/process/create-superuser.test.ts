// The create-superuser bin as a real process (`npm run create-superuser` runs it through tsx): it reads the
// password from its standard input, exits by itself with the command's exit code, and the account exists. Every
// case of the command is tested in-process in test/cli/create-superuser.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrisma, type Db } from '../../src/platform/prisma.js';
import { testEnv } from '../helpers/context.js';
import { freshDatabase, testProvider, type TestDatabase } from '../helpers/db.js';
import { processTimeoutMs } from '../helpers/process.js';
import { runTs } from '../helpers/spawn.js';

const entry = 'src/cli/create-superuser.ts';
const password = 'Sup3r!secret';

describe(`create-superuser process (${testProvider})`, () => {
  let db: TestDatabase;
  let prisma: Db;
  beforeAll(async () => {
    db = await freshDatabase();
    prisma = await createPrisma({ databaseProvider: db.provider, databaseUrl: db.url, sqlitePath: db.provider === 'sqlite' ? db.url.slice(5) : null });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it(
    'creates the account from --password-stdin and exits 0 by itself; a second run exits 3',
    async () => {
      const env = testEnv(db);
      const args = ['--name', 'root', '--email', 'root@example.com', '--password-stdin'];
      const r = await runTs(entry, args, { env, input: `${password}\n`, timeoutMs: processTimeoutMs });
      expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(r.stdout).toMatch(/^Superuser root <root@example\.com> created \(id \d+\)\.\n$/);
      expect((await prisma.user.findUniqueOrThrow({ where: { name: 'root' } })).role).toBe('superuser');

      const again = await runTs(entry, args, { env, input: password, timeoutMs: processTimeoutMs });
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 3, stderr: 'create-superuser: a user with this name and email already exists; nothing was changed\n' });
    },
    2 * processTimeoutMs + 10_000,
  );
});
