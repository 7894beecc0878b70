// Applies the committed migrations (prisma/<provider>/migrations/*/migration.sql) to the configured database:
// `prisma migrate deploy` semantics, in-process. Rows in `_prisma_migrations` are written exactly as Prisma's
// engine writes them (same table, sha256 checksums, advisory lock name on MySQL), so `prisma migrate status`
// and `prisma migrate deploy` agree with what ran here.
//
// Why not spawn the Prisma CLI: it needs its native schema engine, which it downloads on first use. A server
// should not need a download to start (air-gapped hosts, slim images). Migrations are still authored with
// `prisma migrate dev` (see CONTRIBUTING.md).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import mariadb from 'mariadb';
import type { Config } from '../config.js';
import { projectRoot } from './paths.js';
import { mariadbUrl } from './prisma.js';

export interface Migration {
  name: string;
  script: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  /** Migrations already applied whose file changed since (Prisma warns about these too). */
  modified: string[];
}

export class MigrationError extends Error {
  constructor(
    readonly code: 'P3005' | 'P3009' | 'P3018' | 'P3019',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'MigrationError';
  }
}

export function migrationsDir(provider: Config['databaseProvider']): string {
  return path.join(projectRoot, 'prisma', provider, 'migrations');
}

export function readMigrations(dir: string, provider: string): Migration[] {
  const lockFile = path.join(dir, 'migration_lock.toml');
  if (fs.existsSync(lockFile) && !new RegExp(`provider\\s*=\\s*"${provider}"`).test(fs.readFileSync(lockFile, 'utf8'))) {
    throw new MigrationError('P3019', `${lockFile} is not for provider "${provider}"`);
  }
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const script = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: crypto.createHash('sha256').update(script).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

function plan(local: Migration[], rows: AppliedRow[]): { pending: Migration[]; modified: string[] } {
  const failed = rows.filter((r) => !r.finished_at && !r.rolled_back_at);
  if (failed.length) {
    throw new MigrationError(
      'P3009',
      `failed migrations in the target database: ${failed.map((r) => r.migration_name).join(', ')}. ` + 'Fix the database, then mark them with `prisma migrate resolve`.',
    );
  }
  const done = new Map(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r.checksum]));
  return {
    pending: local.filter((m) => !done.has(m.name)),
    modified: local.filter((m) => done.has(m.name) && done.get(m.name) !== m.checksum).map((m) => m.name),
  };
}

const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const MYSQL_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

/** The timestamp format Prisma's SQLite engine writes into `_prisma_migrations`. */
const sqliteNow = () => new Date().toISOString().replace('Z', '+00:00');

/**
 * SQLite: each migration runs in its own transaction together with its bookkeeping row (SQLite DDL is
 * transactional), so a failing migration leaves the database exactly as before. BEGIN IMMEDIATE serialises
 * processes that start at the same time.
 */
function migrateSqlite(file: string, local: Migration[]): MigrateResult {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 15_000 });
  try {
    db.pragma('journal_mode = WAL');
    const applied: string[] = [];
    let modified: string[] = [];
    const tables = () => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
    db.exec('BEGIN IMMEDIATE');
    try {
      const existing = tables();
      if (!existing.includes('_prisma_migrations')) {
        if (existing.length) throw new MigrationError('P3005', 'the database schema is not empty and has no migration history (see https://pris.ly/d/migrate-baseline)');
        db.exec(SQLITE_MIGRATIONS_TABLE);
      }
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    for (;;) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at').all() as AppliedRow[];
        const p = plan(local, rows);
        modified = p.modified;
        const next = p.pending[0];
        if (!next) {
          db.exec('COMMIT');
          break;
        }
        const startedAt = sqliteNow();
        try {
          db.exec(next.script);
        } catch (e) {
          throw new MigrationError('P3018', `migration ${next.name} failed to apply: ${(e as Error).message}`);
        }
        db.prepare('INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)').run(
          crypto.randomUUID(),
          next.checksum,
          sqliteNow(),
          next.name,
          startedAt,
        );
        db.exec('COMMIT');
        applied.push(next.name);
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    }
    return { applied, modified };
  } finally {
    db.close();
  }
}

/**
 * MySQL/MariaDB: DDL is not transactional there, so (like Prisma) a failing migration is recorded with its
 * error and blocks later runs until an operator resolves it. GET_LOCK serialises concurrent deployers.
 */
async function migrateMysql(url: string, local: Migration[]): Promise<MigrateResult> {
  const { database, base } = mysqlBase(url);
  const admin = await mariadb.createConnection(base);
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const conn = await mariadb.createConnection({ ...base, database, multipleStatements: true });
  try {
    await conn.query("SELECT GET_LOCK('prisma_migrate', 10)");
    const tables = (await conn.query<{ t: string }[]>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()')).map((r) => r.t);
    if (!tables.includes('_prisma_migrations')) {
      if (tables.length) throw new MigrationError('P3005', 'the database schema is not empty and has no migration history (see https://pris.ly/d/migrate-baseline)');
      await conn.query(MYSQL_MIGRATIONS_TABLE);
    }
    const rows = await conn.query<AppliedRow[]>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at');
    const { pending, modified } = plan(local, rows);
    const applied: string[] = [];
    for (const m of pending) {
      const id = crypto.randomUUID();
      await conn.query('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, NOW(3), 0)', [id, m.checksum, m.name]);
      try {
        await conn.query(m.script);
      } catch (e) {
        await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [String((e as Error).message), id]);
        throw new MigrationError('P3018', `migration ${m.name} failed to apply: ${(e as Error).message}`);
      }
      await conn.query('UPDATE _prisma_migrations SET finished_at = NOW(3), applied_steps_count = 1 WHERE id = ?', [id]);
      applied.push(m.name);
    }
    return { applied, modified };
  } finally {
    await conn.query("SELECT RELEASE_LOCK('prisma_migrate')").catch(() => undefined);
    await conn.end();
  }
}

function mysqlBase(url: string) {
  const u = new URL(mariadbUrl(url));
  return {
    database: decodeURIComponent(u.pathname.slice(1)),
    base: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), connectTimeout: 5_000 },
  };
}

/**
 * The committed migrations not yet applied to the configured database (all of them when the database or its
 * migrations table does not exist yet). Throws P3009 when a failed migration blocks the database.
 */
export async function pendingMigrations(config: Pick<Config, 'databaseProvider' | 'databaseUrl' | 'sqlitePath'>, dir = migrationsDir(config.databaseProvider)): Promise<string[]> {
  const local = readMigrations(dir, config.databaseProvider);
  const all = local.map((m) => m.name);
  let rows: AppliedRow[];
  if (config.databaseProvider === 'sqlite') {
    if (!fs.existsSync(config.sqlitePath!)) return all;
    const db = new Database(config.sqlitePath!, { readonly: true, fileMustExist: true, timeout: 5_000 });
    try {
      if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get()) return all;
      rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations').all() as AppliedRow[];
    } finally {
      db.close();
    }
  } else {
    const { database, base } = mysqlBase(config.databaseUrl);
    let conn: mariadb.Connection;
    try {
      conn = await mariadb.createConnection({ ...base, database });
    } catch (e) {
      if ((e as { errno?: number }).errno === 1049) return all; // ER_BAD_DB_ERROR: the database does not exist yet
      throw e;
    }
    try {
      const [{ n }] = await conn.query<{ n: number | bigint }[]>("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'");
      if (!Number(n)) return all;
      rows = await conn.query<AppliedRow[]>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations');
    } finally {
      await conn.end();
    }
  }
  return plan(local, rows).pending.map((m) => m.name);
}

export async function migrate(config: Pick<Config, 'databaseProvider' | 'databaseUrl' | 'sqlitePath'>, dir = migrationsDir(config.databaseProvider)): Promise<MigrateResult> {
  const local = readMigrations(dir, config.databaseProvider);
  return config.databaseProvider === 'sqlite' ? migrateSqlite(config.sqlitePath!, local) : migrateMysql(config.databaseUrl, local);
}
