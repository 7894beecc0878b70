// A process whose Redis or database is not there, or whose schema is behind, stops at once with exit 1 and one
// line on stderr naming the address (without its password) and what to do: no stack trace, no log noise, no
// half-started server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testEnv } from '../helpers/context.js';
import { emptyDatabase, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { freePort } from '../helpers/ports.js';
import { runTs, type RunResult } from '../helpers/spawn.js';

const PASSWORD = 'pa55-not-printed';

function expectOneLine(r: RunResult, line: RegExp): void {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
  expect(r.stderr).toMatch(line);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toContain(PASSWORD);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('start-up failures', () => {
  let db: TestDatabase;
  let closed: number;

  beforeAll(async () => {
    db = await freshDatabase();
    closed = await freePort(); // nothing listens there
  });
  afterAll(async () => {
    await db?.drop();
  });

  const redisDown = () => `redis://:${PASSWORD}@127.0.0.1:${closed}`;
  const mysqlDown = () => `mysql://agora:${PASSWORD}@127.0.0.1:${closed}/agora_unreachable`;

  it.each(['src/main.ts', 'src/all.ts'])(
    '%s with Redis unreachable: exit 1 and one line',
    async (entry) => {
      const port = await freePort();
      const r = await runTs(entry, [], { env: testEnv(db, { REDIS_URL: redisDown(), PORT: String(port), CHAT_PORT: String(port), LOG_LEVEL: 'info' }), timeoutMs: 60_000 });
      expectOneLine(r, new RegExp(`^agora: cannot reach Redis at redis://127\\.0\\.0\\.1:${closed} \\(connect ECONNREFUSED [^)]*\\): is redis-server running\\? Set REDIS_URL to its address\\n$`));
    },
    90_000,
  );

  it('the api with MySQL unreachable: exit 1 and one line', async () => {
    const r = await runTs('src/main.ts', [], { env: testEnv(db, { DATABASE_URL: mysqlDown(), LOG_LEVEL: 'info' }), timeoutMs: 60_000 });
    expectOneLine(
      r,
      new RegExp(
        `^agora: cannot reach MySQL/MariaDB at mysql://agora@127\\.0\\.0\\.1:${closed}/agora_unreachable \\(connect ECONNREFUSED [^)]*\\): is the database server running\\? Set DATABASE_URL to its address\\n$`,
      ),
    );
  }, 90_000);

  it('the migrate command with MySQL unreachable: exit 1 and one line', async () => {
    const r = await runTs('src/cli/migrate.ts', [], { env: testEnv(db, { DATABASE_URL: mysqlDown() }), timeoutMs: 60_000 });
    expectOneLine(
      r,
      /^agora: cannot reach MySQL\/MariaDB at mysql:\/\/agora@127\.0\.0\.1:\d+\/agora_unreachable \(connect ECONNREFUSED [^)]*\): is the database server running\? Set DATABASE_URL to its address\n$/,
    );
  }, 90_000);

  it('both unreachable: one line for each', async () => {
    const r = await runTs('src/main.ts', [], { env: testEnv(db, { DATABASE_URL: mysqlDown(), REDIS_URL: redisDown(), LOG_LEVEL: 'info' }), timeoutMs: 60_000 });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^agora: cannot reach MySQL\/MariaDB at mysql:\/\/agora@127\.0\.0\.1:\d+\/agora_unreachable /);
    expect(lines[1]).toMatch(/^agora: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ /);
    expect(r.stderr).not.toContain(PASSWORD);
  }, 90_000);

  it.each([
    ['src/main.ts', 'run the migrate command (npm run db:migrate) or set MIGRATE_ON_START=true'],
    ['src/chat/main.ts', 'run the migrate command (npm run db:migrate) first'],
  ])(
    '%s on a database that was never migrated: exit 1 and one line saying how to migrate',
    async (entry, how) => {
      const empty = emptyDatabase();
      try {
        const port = await freePort();
        const r = await runTs(entry, [], { env: testEnv(empty, { PORT: String(port), CHAT_PORT: String(port), LOG_LEVEL: 'info' }), timeoutMs: 60_000 });
        expectOneLine(r, /^agora: the database schema is behind \(pending: \d+_init, [^)]*\): /);
        expect(r.stderr.trimEnd().endsWith(how)).toBe(true);
      } finally {
        await empty.drop();
      }
    },
    90_000,
  );
});
