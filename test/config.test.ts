import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';

const strong = 'k3Jd9!xQ2zP7vL0aR5tY8uW1eB4nM6cH-sG';
const strong2 = 'Zq8#mN2vB5xC7zL1kJ4hG6fD9sA3pO0iU-yT';

function tmpDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'agora-config-'));
}

function error(env: Record<string, string>, cwd = tmpDir()): ConfigError {
  try {
    loadConfig(env, { cwd });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults to the embedded setup and resolves paths against the working directory', () => {
    const cwd = tmpDir();
    const c = loadConfig({}, { cwd });
    expect(c.nodeEnv).toBe('development');
    expect(c.port).toBe(3000);
    expect(c.chatPort).toBe(3001);
    expect(c.databaseProvider).toBe('sqlite');
    expect(c.sqlitePath).toBe(path.join(cwd, 'data/agora.db'));
    expect(c.databaseUrl).toBe(`file:${path.join(cwd, 'data/agora.db')}`);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.mongodbUrl).toBeNull();
    expect(c.uploadsDir).toBe(path.join(cwd, 'uploads'));
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('generates development secrets once and keeps them under data/', () => {
    const cwd = tmpDir();
    const a = loadConfig({}, { cwd });
    const b = loadConfig({}, { cwd });
    expect(a.jwtSecret).toHaveLength(64);
    expect(a.jwtSecret).not.toBe(a.sessionSecret);
    expect(b.jwtSecret).toBe(a.jwtSecret);
    expect(b.sessionSecret).toBe(a.sessionSecret);
    const file = path.join(cwd, 'data', 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('coerces numbers and picks MySQL from a mysql:// URL', () => {
    const c = loadConfig({ PORT: '8080', CHAT_PORT: '8081', DATABASE_URL: 'mysql://u:p@db:3306/agora', MIGRATE_ON_START: 'true' }, { cwd: tmpDir() });
    expect(c.port).toBe(8080);
    expect(c.chatPort).toBe(8081);
    expect(c.databaseProvider).toBe('mysql');
    expect(c.sqlitePath).toBeNull();
    expect(c.migrateOnStart).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', 'PORT must be an integer (got "abc")'],
    [{ PORT: '70000' }, 'PORT', 'PORT must be <= 65535 (got "70000")'],
    [{ CHAT_PORT: '0' }, 'CHAT_PORT', 'CHAT_PORT must be >= 1 (got "0")'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV', 'NODE_ENV must be one of development, production, test (got "staging")'],
    [{ DATABASE_URL: 'postgres://x/y' }, 'DATABASE_URL', 'DATABASE_URL must be file:<path> (SQLite) or mysql://user:pass@host:port/db (got "postgres://x/y")'],
    [{ DATABASE_URL: 'mysql://host-without-db' }, 'DATABASE_URL', undefined],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL', undefined],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', undefined],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START', undefined],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN', 'METRICS_TOKEN must be 16-256 characters of letters, digits and . _ ~ + / = - (e.g. `openssl rand -hex 32`)'],
    [{ CHAT_TYPING_INTERVAL_MS: '-1' }, 'CHAT_TYPING_INTERVAL_MS', 'CHAT_TYPING_INTERVAL_MS must be >= 0 (got "-1")'],
    [{ REDIS_PREFIX: 'x y' }, 'REDIS_PREFIX', 'REDIS_PREFIX must be 1-64 characters of letters, digits and _ . : - (got "x y")'],
    [{ BODY_LIMIT: 'abc' }, 'BODY_LIMIT', 'BODY_LIMIT must be a size such as 100kb or 1mb (got "abc")'],
    [{ LOG_PRETTY: 'abc' }, 'LOG_PRETTY', 'LOG_PRETTY must be boolean (got "abc")'],
    [{ LOG_FILE_FREQUENCY: 'weekly' }, 'LOG_FILE_FREQUENCY', 'LOG_FILE_FREQUENCY must be one of daily, hourly (got "weekly")'],
    [{ SHUTDOWN_TIMEOUT_MS: '1.5' }, 'SHUTDOWN_TIMEOUT_MS', 'SHUTDOWN_TIMEOUT_MS must be an integer (got "1.5")'],
    [{ UPLOAD_MAX_FILES: '101' }, 'UPLOAD_MAX_FILES', 'UPLOAD_MAX_FILES must be <= 100 (got "101")'],
    [{ UPLOAD_ALLOWED_TYPES: 'png' }, 'UPLOAD_ALLOWED_TYPES', 'UPLOAD_ALLOWED_TYPES must be a comma-separated list of content types such as image/png,image/*,application/pdf (got "png")'],
  ])('rejects %j naming %s', (env, variable, message) => {
    const e = error(env);
    expect(e.variable).toBe(variable);
    expect(e.message.startsWith(variable + ' ')).toBe(true);
    expect(e.message).not.toContain('\n');
    if (message) expect(e.message).toBe(message);
  });

  it('applies the declared defaults and leaves the settings without one unset', () => {
    const c = loadConfig({}, { cwd: tmpDir() });
    expect(c.migrateOnStart).toBe(false);
    expect(c.auth.cookieSecure).toBe(false);
    expect(c.log).toEqual({ pretty: true, file: null, fileFrequency: 'daily', fileSize: '100m', fileCount: 14 });
    expect(c.uploads.allowedTypes).toEqual(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'application/zip']);
    expect(c.trustProxy).toBe(false);
    expect(c.mail.smtpUrl).toBeNull();
    expect(c.metricsToken).toBeNull();
    expect(loadConfig({ TRUST_PROXY: '2', LOG_FILE_FREQUENCY: 'hourly', COOKIE_SECURE: 'true' }, { cwd: tmpDir() })).toMatchObject({
      trustProxy: 2,
      log: { fileFrequency: 'hourly' },
      auth: { cookieSecure: true },
    });
  });

  it('links mails to the port the api listens on unless PUBLIC_URL says otherwise', () => {
    expect(loadConfig({}, { cwd: tmpDir() }).publicUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '4100' }, { cwd: tmpDir() }).publicUrl).toBe('http://localhost:4100');
    // PORT from .env counts like PORT from the environment
    const cwd = tmpDir();
    fs.writeFileSync(path.join(cwd, '.env'), 'PORT=4200\n');
    expect(loadConfig({}, { cwd, dotenv: true }).publicUrl).toBe('http://localhost:4200');
    expect(loadConfig({ PORT: '4100', PUBLIC_URL: 'https://agora.example.com/' }, { cwd: tmpDir() }).publicUrl).toBe('https://agora.example.com');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong, SESSION_SECRET: strong2, PORT: '8080' }, { cwd: tmpDir() }).publicUrl).toBe('http://localhost:8080');
    expect(error({ PUBLIC_URL: 'agora.example.com' }).message).toBe('PUBLIC_URL must be an http(s):// URL (got "agora.example.com")');
  });

  it('requires strong secrets in production', () => {
    expect(error({ NODE_ENV: 'production' }).variable).toBe('JWT_SECRET');
    expect(error({ NODE_ENV: 'production', JWT_SECRET: strong }).variable).toBe('SESSION_SECRET');
    expect(error({ NODE_ENV: 'production', JWT_SECRET: 'short', SESSION_SECRET: strong2 }).message).toMatch(/^JWT_SECRET must be at least 32 characters/);
    expect(error({ NODE_ENV: 'production', JWT_SECRET: 'changeme'.repeat(5), SESSION_SECRET: strong2 }).message).toMatch(/^JWT_SECRET is too weak/);
    expect(error({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40), SESSION_SECRET: strong2 }).message).toMatch(/^JWT_SECRET is too weak/);
    expect(error({ NODE_ENV: 'production', JWT_SECRET: strong, SESSION_SECRET: strong }).variable).toBe('SESSION_SECRET');
    const cwd = tmpDir();
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong, SESSION_SECRET: strong2 }, { cwd });
    expect(c.jwtSecret).toBe(strong);
    expect(fs.existsSync(path.join(cwd, 'data', 'secrets.json'))).toBe(false);
  });

  it('reads .env when asked, without overriding the real environment', () => {
    const cwd = tmpDir();
    fs.writeFileSync(path.join(cwd, '.env'), 'PORT=4567\nCHAT_PORT=4568\n');
    const env: Record<string, string> = { CHAT_PORT: '5000' };
    const c = loadConfig(env, { cwd, dotenv: true });
    expect(c.port).toBe(4567);
    expect(c.chatPort).toBe(5000);
  });
});
