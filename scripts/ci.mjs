#!/usr/bin/env node
// `npm run ci [-- part...]`: every check and test suite of Agora, the one definition that both the GitHub workflow
// (.github/workflows/ci.yml) and a self-hosted machine (.ci/run) call after `npm ci`. Parts, in order (all by default):
//   checks  schemas current, migrations match the schemas (SQLite; MySQL too unless CI_SKIP_MYSQL_DRIFT gives a
//           reason), typecheck, lint, configuration docs current, format:check, lint:workflows, build and the compiled
//           migrate command on an empty database
//   sqlite  npm test (every suite, on SQLite)
//   mysql   npm run test:mysql (the data-layer, API and CLI suites, on MariaDB/MySQL)
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379) and, for `mysql` and the MySQL drift check, a MariaDB/MySQL
// server whose user may create databases (TEST_MYSQL_URL, default mysql://agora:agora@127.0.0.1:3306/agora_test).
// Every step runs even when an earlier one failed; the last line is `N passed, N failed, N skipped`, summed from
// jest's "Tests:" lines, and the exit code is 1 when a step failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mariadb from 'mariadb';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = 'npm';
const prisma = [process.execPath, path.join(root, 'node_modules', 'prisma', 'build', 'index.js')];
const mysqlBaseUrl = process.env.TEST_MYSQL_URL ?? 'mysql://agora:agora@127.0.0.1:3306/agora_test';

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];
const started = Date.now();

// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');

/** Adds the counts of jest's summary lines ("Tests:       1 failed, 2 skipped, 40 passed, 43 total"). */
function countTests(output) {
  for (const line of stripAnsi(output).split('\n')) {
    if (!line.startsWith('Tests:')) continue;
    for (const [, n, what] of line.matchAll(/(\d+) (passed|failed|skipped)/g)) totals[what] += Number(n);
  }
}

/** Runs one command with its output shown as it comes; resolves to its exit code, its output (for the counts) and its stdout alone. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => ((output += d), (stdout += d), process.stdout.write(d)));
    child.stderr.on('data', (d) => ((output += d), process.stderr.write(d)));
    child.on('error', (e) => ((output += String(e)), process.stderr.write(`${e}\n`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output, stdout }));
  });
}

/** A step: a title and a function returning an exit code. A thrown error counts as a failure. */
async function step(title, f) {
  console.log(`\n=== ${title} (${Math.round((Date.now() - started) / 1000)}s)`);
  let code;
  try {
    code = await f();
  } catch (e) {
    console.error(e);
    code = 1;
  }
  if (code !== 0) {
    failedSteps.push(title);
    console.log(`=== FAILED: ${title} (exit ${code})`);
  }
}

const exitOf = async (p) => (await p).code;

function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// The full-text search tables (`posts_fts`, `comments_fts` and, on SQLite, FTS5's own `<name>_data`, `_idx`,
// `_docsize`, `_config`) are created by hand-written SQL that the Prisma models cannot express (FTS5 virtual
// tables and triggers; MySQL FULLTEXT shadow tables), see docs/decisions/0008-search.md. Prisma sees them as
// tables to drop; that one difference is not drift. Anything else in the diff is.
const searchTable = /^(posts|comments)_fts(_(data|idx|docsize|config|content))?$/;

/** The diff's statements, less comments, PRAGMAs and DROP TABLE of a search table. */
function driftStatements(script) {
  return script
    .split(';')
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s && !/^PRAGMA /i.test(s))
    .filter((s) => {
      const m = /^DROP TABLE [`"]?(\w+)[`"]?$/i.exec(s);
      return !(m && searchTable.test(m[1]));
    });
}

/**
 * `prisma migrate diff --from-migrations ... --script` (the migrations replay into the shadow database): 0 when
 * what it would change is only the search tables, 2 on drift, 1 when prisma failed.
 */
async function migrateDiff(provider, env) {
  const { code, stdout } = await run(prisma[0], [prisma[1], 'migrate', 'diff', '--from-migrations', `prisma/${provider}/migrations`, '--to-schema', `prisma/${provider}/schema.prisma`, '--script'], {
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    ...env,
  });
  if (code !== 0) return 1;
  const left = driftStatements(stdout);
  if (left.length === 0) return 0;
  console.log(`drift: ${left.length} statement(s) besides the search tables`);
  return 2;
}

async function sqliteDrift() {
  const dir = tmpDir('agora-drift-');
  try {
    return await migrateDiff('sqlite', { DATABASE_URL: `file:${path.join(dir, 'drift.db')}`, SHADOW_DATABASE_URL: `file:${path.join(dir, 'shadow.db')}` });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function mysqlDrift() {
  const u = new URL(mysqlBaseUrl.replace(/^mysql:/, 'mariadb:'));
  const server = { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  // agora_*: names the test user may create (see .ci/run); both dropped afterwards
  const [main, shadow] = ['drift', 'shadow'].map((n) => `agora_ci_${n}_${process.pid}`);
  const urlOf = (db) => {
    const v = new URL(mysqlBaseUrl);
    v.pathname = `/${db}`;
    return v.toString();
  };
  const conn = await mariadb.createConnection(server);
  try {
    for (const db of [main, shadow]) await conn.query(`CREATE DATABASE \`${db}\``);
    return await migrateDiff('mysql', { DATABASE_URL: urlOf(main), SHADOW_DATABASE_URL: urlOf(shadow) });
  } finally {
    for (const db of [main, shadow]) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.end();
  }
}

async function buildAndSmoke() {
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  const built = await exitOf(run(npm, ['run', 'build']));
  if (built !== 0) return built;
  // the compiled migrate command, as the image's one-shot migrate service runs it, on an empty SQLite location
  const dir = tmpDir('agora-smoke-');
  try {
    return await exitOf(run(process.execPath, ['dist/src/cli/migrate.js'], { DATABASE_URL: `file:${path.join(dir, 'agora.db')}`, DATA_DIR: dir }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function jest(args) {
  const { code, output } = await run(npm, args);
  countTests(output);
  return code;
}

const parts = {
  async checks() {
    await step('schemas current (prisma/<provider>/schema.prisma from prisma/models.prisma)', () => exitOf(run(npm, ['run', 'db:schemas', '--', '--check'])));
    await step('SQLite migrations match prisma/sqlite/schema.prisma', sqliteDrift);
    if (process.env.CI_SKIP_MYSQL_DRIFT) console.log(`\n=== skipped: MySQL migrations match prisma/mysql/schema.prisma (${process.env.CI_SKIP_MYSQL_DRIFT})`);
    else await step('MySQL migrations match prisma/mysql/schema.prisma', mysqlDrift);
    await step('typecheck', () => exitOf(run(npm, ['run', 'typecheck'])));
    await step('lint', () => exitOf(run(npm, ['run', 'lint'])));
    await step('configuration docs current (docs/operations.md table, .env.example from src/config-schema.ts)', () => exitOf(run(npm, ['run', 'config:docs', '--', '--check'])));
    await step('formatting (Prettier)', () => exitOf(run(npm, ['run', 'format:check'])));
    await step('import boundaries (dependency-cruiser)', () => exitOf(run(npm, ['run', 'lint:imports'])));
    await step('lint the GitHub workflows', () => exitOf(run(npm, ['run', 'lint:workflows'])));
    await step('build, then the compiled migrate command on an empty database', buildAndSmoke);
  },
  async sqlite() {
    await step('npm test (SQLite)', () => jest(['test']));
  },
  async mysql() {
    await step('npm run test:mysql (MariaDB/MySQL)', () => jest(['run', 'test:mysql']));
  },
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((p) => !(p in parts));
if (unknown.length) {
  console.error(`ci: unknown part(s) ${unknown.join(', ')}; the parts are ${Object.keys(parts).join(', ')}`);
  process.exit(2);
}
for (const name of Object.keys(parts)) if (!chosen.length || chosen.includes(name)) await parts[name]();

console.log(`\n=== done (${Math.round((Date.now() - started) / 1000)}s)${failedSteps.length ? `; failed: ${failedSteps.join('; ')}` : ''}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length || totals.failed ? 1 : 0);
