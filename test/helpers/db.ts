// A fresh, migrated database for each test suite: a copy of a template SQLite file (made once per run by
// global-setup.ts), or, under `npm run test:mysql`, a new MariaDB database that is dropped afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mariadb from 'mariadb';
import { migrate } from '../../src/platform/migrate.js';
import { projectRoot } from '../../src/platform/paths.js';
import { mariadbUrl } from '../../src/platform/prisma.js';

export const testProvider: 'sqlite' | 'mysql' = process.env.TEST_DATABASE === 'mysql' ? 'mysql' : 'sqlite';
export const tmpRoot = path.join(projectRoot, '.test-tmp');
export const templateDbPath = path.join(tmpRoot, 'template.db');
export const mysqlBaseUrl = process.env.TEST_MYSQL_URL ?? 'mysql://agora:agora@127.0.0.1:3306/agora_test';

export interface TestDatabase {
  url: string;
  provider: 'sqlite' | 'mysql';
  drop(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
}

export function mysqlUrlFor(database: string): string {
  const u = new URL(mysqlBaseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function dropMysqlDatabase(url: string): Promise<void> {
  const u = new URL(mariadbUrl(url));
  const conn = await mariadb.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${u.pathname.slice(1)}\``);
  } finally {
    await conn.end();
  }
}

/** An empty (unmigrated) database location. */
export function emptyDatabase(provider = testProvider): TestDatabase {
  if (provider === 'sqlite') {
    fs.mkdirSync(tmpRoot, { recursive: true });
    const file = path.join(tmpRoot, `${uniqueName('db')}.db`);
    return {
      url: `file:${file}`,
      provider,
      drop: () => {
        for (const s of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + s, { force: true });
        return Promise.resolve();
      },
    };
  }
  const url = mysqlUrlFor(uniqueName('agora_t'));
  return { url, provider, drop: () => dropMysqlDatabase(url) };
}

/** A database with every migration applied. */
export async function freshDatabase(provider = testProvider): Promise<TestDatabase> {
  const db = emptyDatabase(provider);
  if (provider === 'sqlite') {
    fs.copyFileSync(templateDbPath, db.url.slice('file:'.length));
  } else {
    await migrate({ databaseProvider: 'mysql', databaseUrl: db.url, sqlitePath: null });
  }
  return db;
}
