import type { Context } from '../context.js';
import { ok, type ApiRouter } from '../http/api.js';
import { readAuditLog, type AuditQuery } from './service.js';

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    actorId: { type: ['integer', 'null'] },
    actorName: { type: ['string', 'null'] },
    action: { type: 'string' },
    targetType: { type: ['string', 'null'] },
    targetId: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    requestId: { type: ['string', 'null'] },
    details: { type: ['object', 'null'] },
  },
} as const;

export function registerAuditRoutes(api: ApiRouter, ctx: Context): void {
  api
    .route({
      method: 'get',
      path: '/audit-events',
      operationId: 'listAuditEvents',
      permission: 'audit.read',
      summary: 'The audit log, newest first (admin)',
      tags: ['audit'],
      auth: 'required',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          actor: { type: 'integer', minimum: 1, description: 'actor user id' },
          action: { type: 'string', minLength: 1, maxLength: 64 },
          targetType: { type: 'string', minLength: 1, maxLength: 32 },
          targetId: { type: 'string', minLength: 1, maxLength: 64 },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          cursor: { type: 'string', minLength: 1, maxLength: 200 },
          limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        },
      },
      responses: {
        200: {
          description: 'A page of events',
          schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: eventSchema }, nextCursor: { type: ['string', 'null'] } } },
        },
      },
    })
    .handle(async ({ viewer, query: q }) => {
      const query: AuditQuery = {
        actorId: q.actor,
        action: q.action,
        targetType: q.targetType,
        targetId: q.targetId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        cursor: q.cursor,
        limit: q.limit,
      };
      return ok(await readAuditLog(ctx.audit, viewer, query));
    });
}
