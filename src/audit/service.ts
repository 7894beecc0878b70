// The audit log: who did what to what, when, from where. One interface, two adapters: SQL (Prisma
// AuditEvent, the default) and MongoDB (./mongo.ts, when MONGODB_URL is set). Services record; routes never.
import { access, type Viewer } from '../access/index.js';
import { decodeKey, invalidCursor, isIntKey, keysetPage } from '../http/pagination.js';
import { currentLogContext } from '../platform/log-context.js';
import type { Db } from '../platform/prisma.js';

export interface AuditEventInput {
  actor?: { id: number; name?: string } | null;
  action: string;
  target?: { type: string; id: string | number } | null;
  /** Defaults to the address of the client of the request being served. */
  ip?: string | null;
  /** Defaults to the request id of the request being served. */
  requestId?: string | null;
  details?: Record<string, unknown> | null;
}

/** A stored row, as both adapters write it. */
export interface AuditRow {
  at: Date;
  actorId: number | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

export type AuditEvent = AuditRow & { id: string };

export interface AuditQuery {
  actorId?: number;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

export interface AuditPage {
  items: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface AuditLog {
  record(event: AuditEventInput): Promise<void>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditPage>;
  /** Writes out whatever is buffered. */
  close(): Promise<void>;
}

/** The audit log as a viewer reads it (REST): staff only. */
export async function readAuditLog(audit: AuditLog, viewer: Viewer, q: AuditQuery): Promise<AuditPage> {
  access.require(viewer, 'audit.read');
  return audit.query(q);
}

export function toRow(e: AuditEventInput, at = new Date()): AuditRow {
  return {
    at,
    actorId: e.actor?.id ?? null,
    actorName: e.actor?.name ?? null,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target ? String(e.target.id) : null,
    ip: e.ip ?? currentLogContext()?.ip ?? null,
    requestId: e.requestId ?? currentLogContext()?.requestId ?? null,
    details: e.details ?? null,
  };
}

/**
 * The audit log with every actor named: an event recorded with only the actor's id gets the account's name
 * as it is at that moment (so the log still says who, after a rename or a closed account).
 */
export function withActorNames(log: AuditLog, prisma: Db): AuditLog {
  return {
    async record(e) {
      if (e.actor && e.actor.name === undefined) {
        const user = await prisma.user.findUnique({ where: { id: e.actor.id }, select: { name: true } });
        if (user) e = { ...e, actor: { id: e.actor.id, name: user.name } };
      }
      return log.record(e);
    },
    query: (q) => log.query(q),
    close: () => log.close(),
  };
}

/** Audit cursors are the pagination cursors of the API, keyed by the last item's (at, id). */
export const cursorKey = (e: { at: Date; id: string }): [string, string] => [e.at.toISOString(), e.id];

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = decodeKey(cursor, ['string', 'string']) as [string, string];
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw invalidCursor();
  return { at: date, id };
}

export class SqlAuditLog implements AuditLog {
  constructor(private readonly prisma: Db) {}

  async record(e: AuditEventInput): Promise<void> {
    await this.recordRows([toRow(e)]);
  }

  /** Also the fallback of the MongoDB adapter. */
  async recordRows(rows: AuditRow[]): Promise<void> {
    if (!rows.length) return;
    await this.prisma.auditEvent.createMany({ data: rows.map((r) => ({ ...r, details: (r.details ?? undefined) as never })) });
  }

  async query(q: AuditQuery): Promise<AuditPage> {
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    if (after && !(/^\d+$/.test(after.id) && isIntKey(Number(after.id)))) throw invalidCursor();
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        ...(q.actorId !== undefined ? { actorId: q.actorId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.targetType ? { targetType: q.targetType } : {}),
        ...(q.targetId ? { targetId: q.targetId } : {}),
        ...(q.from || q.to ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) } } : {}),
        // ids grow with time: the id alone is a stable keyset
        ...(after ? { id: { lt: Number(after.id) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
    });
    const events = rows.map((r) => ({ ...r, id: String(r.id), details: (r.details ?? null) as Record<string, unknown> | null }));
    return keysetPage(events, q.limit, cursorKey);
  }

  async close(): Promise<void> {}
}
