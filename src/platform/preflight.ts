// What a process checks before it starts: Redis answers, the database is reachable, and (for the processes that
// do not migrate it themselves) its schema is current. A failed check is a StartupError: one line naming the
// address (never its password) and what to do, printed by runProcess, which then exits 1 instead of serving
// errors. Failures after start-up are the business of /readyz and the clients' reconnection.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import mariadb from 'mariadb';
import type { Config } from '../config.js';
import { pendingMigrations } from './migrate.js';
import { mariadbUrl } from './prisma.js';

/** A start-up failure the operator can fix; its message is the whole explanation (no stack trace needed). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** How long a check waits for a server that accepts the connection but does not answer. */
const CHECK_TIMEOUT_MS = 10_000;

/** Error codes meaning "nothing answered there", as opposed to a server that answered and said no. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ER_CONNECTION_TIMEOUT', 'ER_SOCKET_UNEXPECTED_CLOSE']);

/** The URL as an operator may see it in a log: the password removed. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.password = '';
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//');
  }
}

function reason(e: unknown): { code: string | undefined; detail: string } {
  const err = e as { code?: unknown; text?: unknown; message?: unknown };
  const detail = typeof err.text === 'string' ? err.text : typeof err.message === 'string' ? err.message : String(e);
  return { code: typeof err.code === 'string' ? err.code : undefined, detail };
}

export async function checkRedis(config: Pick<Config, 'redisUrl'>): Promise<void> {
  const url = redactUrl(config.redisUrl);
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    commandTimeout: CHECK_TIMEOUT_MS,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // without retries, connect() only says "Connection is closed."; the cause comes as an 'error' event before it
  let cause: unknown;
  redis.on('error', (e: unknown) => (cause ??= e));
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    const { code, detail } = reason(cause ?? e);
    if (code && UNREACHABLE.has(code)) {
      throw new StartupError(`cannot reach Redis at ${url} (${detail}): is redis-server running? Set REDIS_URL to its address`);
    }
    throw new StartupError(`Redis at ${url} refused the connection (${detail}): check REDIS_URL (user, password, rediss:// for TLS)`);
  } finally {
    redis.disconnect();
  }
}

export async function checkDatabase(config: Pick<Config, 'databaseProvider' | 'databaseUrl' | 'sqlitePath'>): Promise<void> {
  if (config.databaseProvider === 'sqlite') {
    // the file itself may not exist yet (migrations create it); its folder must be usable
    const dir = path.dirname(config.sqlitePath!);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK);
    } catch (e) {
      throw new StartupError(`cannot use the SQLite database ${config.sqlitePath} (${reason(e).detail}): check DATABASE_URL and that its folder is writable`);
    }
    return;
  }
  const url = redactUrl(config.databaseUrl);
  const u = new URL(mariadbUrl(config.databaseUrl));
  let conn: mariadb.Connection | undefined;
  try {
    // without the database: the migrator creates it when it does not exist yet
    conn = await mariadb.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    await conn.query('SELECT 1');
  } catch (e) {
    const { code, detail } = reason(e);
    if (code && UNREACHABLE.has(code)) {
      throw new StartupError(`cannot reach MySQL/MariaDB at ${url} (${detail}): is the database server running? Set DATABASE_URL to its address`);
    }
    throw new StartupError(`MySQL/MariaDB at ${url} refused the connection (${detail}): check the user and password in DATABASE_URL`);
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

/** Both checks; every failing one is reported (an AggregateError of StartupErrors when both fail). */
export async function checkServices(config: Pick<Config, 'redisUrl' | 'databaseProvider' | 'databaseUrl' | 'sqlitePath'>): Promise<void> {
  const failed = (await Promise.allSettled([checkDatabase(config), checkRedis(config)])).flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new AggregateError(failed, 'start-up checks failed');
}

/** For a process that does not apply migrations itself: the schema must be current. `how` says how to apply them. */
export async function requireCurrentSchema(config: Pick<Config, 'databaseProvider' | 'databaseUrl' | 'sqlitePath'>, how: string): Promise<void> {
  const pending = await pendingMigrations(config);
  if (pending.length) throw new StartupError(`the database schema is behind (pending: ${pending.join(', ')}): ${how}`);
}
