import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { MigrationError, migrate, migrationsDir, readMigrations } from '../../src/platform/migrate.js';
import { emptyDatabase, testProvider, type TestDatabase } from '../helpers/db.js';

const cfg = (db: TestDatabase) => ({
  databaseProvider: db.provider,
  databaseUrl: db.url,
  sqlitePath: db.provider === 'sqlite' ? db.url.slice('file:'.length) : null,
});

/** A copy of the real migrations folder plus whatever extra migrations a test adds. */
function migrationsCopy(extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-migrations-'));
  fs.cpSync(migrationsDir(testProvider), dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe(`migrate (${testProvider})`, () => {
  const dbs: TestDatabase[] = [];
  const fresh = () => {
    const db = emptyDatabase();
    dbs.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(dbs.splice(0).map((d) => d.drop()));
  });

  it('applies every committed migration to an empty database, then nothing on the second run', async () => {
    const db = fresh();
    const names = readMigrations(migrationsDir(testProvider), testProvider).map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
    const first = await migrate(cfg(db));
    expect(first.applied).toEqual(names);
    const second = await migrate(cfg(db));
    expect(second).toEqual({ applied: [], modified: [] });
  });

  it('applies only the new migration and reports an applied one that was edited afterwards', async () => {
    const db = fresh();
    await migrate(cfg(db));
    const dir = migrationsCopy({ '99990101000000_extra': 'CREATE TABLE extra_thing (id INTEGER NOT NULL PRIMARY KEY);' });
    const first = readMigrations(dir, testProvider)[0];
    fs.appendFileSync(path.join(dir, first.name, 'migration.sql'), '\n-- edited\n');
    const r = await migrate(cfg(db), dir);
    expect(r.applied).toEqual(['99990101000000_extra']);
    expect(r.modified).toEqual([first.name]);
  });

  it('refuses a migrations folder made for another provider', () => {
    const dir = migrationsCopy();
    fs.writeFileSync(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    expect(() => readMigrations(dir, testProvider)).toThrow(/P3019/);
  });

  it('refuses a non-empty database that has no migration history', async () => {
    const db = fresh();
    const dir = migrationsCopy();
    await migrate(cfg(db), fs.mkdtempSync(path.join(os.tmpdir(), 'agora-none-'))).catch(() => undefined);
    // a database that already has a table of its own
    if (db.provider === 'sqlite') {
      const file = db.url.slice('file:'.length);
      fs.rmSync(file, { force: true });
      const raw = new Database(file);
      raw.exec('CREATE TABLE legacy (id INTEGER)');
      raw.close();
      await expect(migrate(cfg(db), dir)).rejects.toThrow(/P3005/);
    } else {
      await migrate(cfg(db), dir); // creates the database
      const { default: mariadb } = await import('mariadb');
      const u = new URL(db.url.replace(/^mysql:/, 'mariadb:'));
      const conn = await mariadb.createConnection({ host: u.hostname, port: Number(u.port), user: u.username, password: decodeURIComponent(u.password), database: u.pathname.slice(1) });
      await conn.query('DROP TABLE _prisma_migrations');
      await conn.end();
      await expect(migrate(cfg(db), dir)).rejects.toThrow(/P3005/);
    }
  });

  it('stops at a failing migration, reports it, and blocks until it is resolved', async () => {
    const db = fresh();
    const dir = migrationsCopy({ '99990101000000_broken': 'CREATE TABLE broken_thing (id INTEGER NOT NULL PRIMARY KEY);\nTHIS IS NOT SQL;' });
    const err = await migrate(cfg(db), dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).code).toBe('P3018');
    expect((err as Error).message).toContain('99990101000000_broken');
    if (db.provider === 'sqlite') {
      // SQLite DDL is transactional: the failed migration left nothing behind and is not recorded
      const raw = new Database(db.url.slice('file:'.length));
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'broken_thing'").all()).toEqual([]);
      expect(raw.prepare("SELECT COUNT(*) n FROM _prisma_migrations WHERE migration_name = '99990101000000_broken'").get()).toEqual({ n: 0 });
      raw.close();
    } else {
      // MySQL DDL is not transactional: like Prisma, the failure is recorded and blocks later runs
      await expect(migrate(cfg(db), dir)).rejects.toThrow(/P3009.*99990101000000_broken/);
    }
  });
});
