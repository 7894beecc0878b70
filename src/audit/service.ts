// The audit log interface. This is the SQL adapter (Prisma AuditEvent); the MongoDB adapter and the
// query API arrive with the audit issue and implement the same interface.
import type { Db } from '../platform/prisma.js';

export interface AuditEventInput {
  actor?: { id: number; name?: string } | null;
  action: string;
  target?: { type: string; id: string | number } | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditLog {
  record(event: AuditEventInput): Promise<void>;
  close(): Promise<void>;
}

export class SqlAuditLog implements AuditLog {
  constructor(private readonly prisma: Db) {}

  async record(e: AuditEventInput): Promise<void> {
    await this.prisma.auditEvent.create({
      data: {
        actorId: e.actor?.id ?? null,
        actorName: e.actor?.name ?? null,
        action: e.action,
        targetType: e.target?.type ?? null,
        targetId: e.target ? String(e.target.id) : null,
        ip: e.ip ?? null,
        requestId: e.requestId ?? null,
        details: (e.details ?? undefined) as never,
      },
    });
  }

  async close(): Promise<void> {}
}
