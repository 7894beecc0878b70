// One Prisma client per process, for the provider that DATABASE_URL names. Both providers' clients are
// generated on install (scripts/db-generate.mjs), so switching DATABASE_URL needs no regeneration.
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { Prisma, PrismaClient } from '@prisma/client';
import type { Config } from '../config.js';

export { Prisma };
/** Both providers' clients have the same model API; the SQLite client's types describe either. */
export type Db = PrismaClient;

const require = createRequire(import.meta.url);

function mysqlClientClass(): typeof PrismaClient {
  const prismaClientDir = path.dirname(require.resolve('@prisma/client/package.json'));
  const generated = path.join(prismaClientDir, '..', '..', '.prisma', 'client-mysql', 'index.js');
  return (require(generated) as { PrismaClient: typeof PrismaClient }).PrismaClient;
}

/** mariadb's driver wants mariadb://; Prisma's convention is mysql://. Accept both. */
export function mariadbUrl(url: string): string {
  return url.replace(/^mysql:/, 'mariadb:');
}

export async function createPrisma(config: Pick<Config, 'databaseProvider' | 'databaseUrl' | 'sqlitePath'>): Promise<Db> {
  if (config.databaseProvider === 'sqlite') {
    const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: config.databaseUrl, timeout: 10_000 }) });
    // WAL lets the api, chat and worker processes read while one of them writes.
    await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    // Durability, explicitly: NORMAL syncs the WAL at checkpoints, not at each commit, so a committed transaction
    // survives a crash of the process but the last ones may be lost with the machine (never a corrupt database).
    // better-sqlite3 opens a database already in WAL mode at NORMAL and keeps FULL on the connection that switches
    // it, so without this the level would depend on who migrated. The chat's writer, which acknowledges messages
    // as durable, runs FULL on its own connection (docs/decisions/0003-synchronous-full.md; 0009 for the api).
    await client.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
    return client;
  }
  const MysqlClient = mysqlClientClass();
  return new MysqlClient({ adapter: new PrismaMariaDb(mariadbUrl(config.databaseUrl)) });
}
