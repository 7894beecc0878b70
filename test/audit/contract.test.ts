// One contract for every audit adapter: SQL always, MongoDB when MONGODB_URL is set (the GitHub workflow runs it
// with a mongo service container).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { connectMongo, MongoAuditLog } from '../../src/audit/mongo.js';
import { SqlAuditLog, type AuditLog } from '../../src/audit/service.js';
import { runWithLogContext } from '../../src/platform/log-context.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { uniqueName } from '../helpers/db.js';

const mongoUrl = process.env.MONGODB_URL;
const adapters: [string, (t: TestContext) => Promise<AuditLog>][] = [['sql', (t) => Promise.resolve(new SqlAuditLog(t.ctx.prisma))]];
if (mongoUrl) {
  adapters.push([
    'mongo',
    async (t) => {
      const url = new URL(mongoUrl);
      url.pathname = `/${uniqueName('agora_audit')}`;
      const log = new MongoAuditLog(await connectMongo(url.toString()), new SqlAuditLog(t.ctx.prisma), pino({ level: 'silent' }), { retentionDays: 30, flushIntervalMs: 20 });
      await log.init();
      return log;
    },
  ]);
}

describe.each(adapters)('audit log contract (%s)', (_name, make) => {
  let t: TestContext;
  let audit: AuditLog;
  const flush = async () => {
    await (audit as { flush?: () => Promise<void> }).flush?.();
  };
  beforeAll(async () => {
    t = await createTestContext();
    audit = await make(t);
    // 3 actors × 4 actions, recorded in order, a few ms apart
    for (let i = 0; i < 12; i++) {
      await audit.record({
        actor: { id: (i % 3) + 1, name: `actor${(i % 3) + 1}` },
        action: ['login.ok', 'login.failed', 'user.banned', 'board.created'][i % 4],
        target: { type: i % 2 ? 'user' : 'board', id: i },
        ip: '127.0.0.1',
        details: { i },
      });
      await new Promise((r) => setTimeout(r, 3));
    }
    await flush();
  });
  afterAll(async () => {
    await audit.close();
    await t.cleanup();
  });

  it('returns events newest first with every field', async () => {
    const page = await audit.query({ limit: 100 });
    expect(page.items).toHaveLength(12);
    expect(page.items.map((e) => (e.details as { i: number }).i)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(page.items[0]).toMatchObject({ actorId: 3, actorName: 'actor3', action: 'board.created', targetType: 'user', targetId: '11', ip: '127.0.0.1', details: { i: 11 } });
    expect(page.items[0].at).toBeInstanceOf(Date);
    expect(typeof page.items[0].id).toBe('string');
    expect(page.nextCursor).toBeNull();
  });

  it('filters by actor, action, target type and time', async () => {
    expect((await audit.query({ actorId: 2, limit: 100 })).items.map((e) => (e.details as { i: number }).i)).toEqual([10, 7, 4, 1]);
    expect((await audit.query({ action: 'user.banned', limit: 100 })).items.map((e) => (e.details as { i: number }).i)).toEqual([10, 6, 2]);
    expect((await audit.query({ targetType: 'board', actorId: 1, limit: 100 })).items.map((e) => (e.details as { i: number }).i)).toEqual([6, 0]);
    const all = (await audit.query({ limit: 100 })).items;
    const from = all[7].at; // event 4
    const to = all[3].at; // event 8
    expect((await audit.query({ from, to, limit: 100 })).items.map((e) => (e.details as { i: number }).i)).toEqual([8, 7, 6, 5, 4]);
  });

  it('pages with an opaque cursor without gaps or repeats', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await audit.query({ limit: 5, cursor });
      seen.push(...page.items.map((e) => (e.details as { i: number }).i));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    await expect(audit.query({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({ kind: 'invalid', code: 'validation_failed' });
  });

  it('takes the request id from the request being served', async () => {
    await runWithLogContext({ requestId: 'req-contract-1' }, () => audit.record({ action: 'contract.ctx' }));
    await flush();
    const [e] = (await audit.query({ action: 'contract.ctx', limit: 1 })).items;
    expect(e).toMatchObject({ requestId: 'req-contract-1', actorId: null, targetType: null });
  });
});

describe('MongoDB outage', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.cleanup());

  it('fails to start with one clear error when MongoDB is not reachable', async () => {
    await expect(connectMongo('mongodb://127.0.0.1:1/agora', 500)).rejects.toThrow(/^MongoDB at mongodb:\/\/127\.0\.0\.1:1\/agora is not reachable: /);
  });

  it('never fails or blocks the caller, and the events land in SQL', async () => {
    // a connection to a closed port: every insert fails
    const { default: mongoose } = await import('mongoose');
    const conn = mongoose.createConnection('mongodb://127.0.0.1:1/agora', { serverSelectionTimeoutMS: 300, bufferCommands: false });
    conn.on('error', () => undefined);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    // no timed flush during the test: the buffer is written out by close()
    const audit = new MongoAuditLog(conn, new SqlAuditLog(t.ctx.prisma), logger, { retentionDays: 1, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) await audit.record({ action: 'outage.test', details: { i } });
    // buffered, not waiting for MongoDB: each record() returned before any write was tried (a record() that waited
    // for MongoDB would have fallen back to SQL, after MongoDB's 300 ms, before returning)
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'outage.test' } })).toBe(0);
    expect(lines).toEqual([]);
    await audit.close();
    const rows = await t.ctx.prisma.auditEvent.findMany({ where: { action: 'outage.test' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => (r.details as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    expect(lines.join('')).toContain('MongoDB did not take audit events: writing them to SQL');
  });

  it('writes straight to SQL when the buffer is full', async () => {
    const { default: mongoose } = await import('mongoose');
    const conn = mongoose.createConnection('mongodb://127.0.0.1:1/agora', { serverSelectionTimeoutMS: 300, bufferCommands: false });
    conn.on('error', () => undefined);
    const lines: string[] = [];
    const audit = new MongoAuditLog(conn, new SqlAuditLog(t.ctx.prisma), pino({ level: 'warn' }, { write: (l: string) => lines.push(l) }), {
      retentionDays: 1,
      bufferLimit: 2,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 4; i++) await audit.record({ action: 'overflow.test', details: { i } });
    // two waited in the buffer; the other two went to SQL at once
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'overflow.test' } })).toBe(2);
    expect(lines.join('')).toContain('audit buffer full');
    await audit.close();
    expect(await t.ctx.prisma.auditEvent.count({ where: { action: 'overflow.test' } })).toBe(4);
  });
});
