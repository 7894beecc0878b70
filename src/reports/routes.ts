// The report routes: members report and follow their reports; moderators read the queue and resolve.
import type { Context } from '../context.js';
import { ok, type ApiRouter } from '../http/api.js';
import { pageSchema } from '../http/pagination.js';
import { createLimiter } from '../http/rate-limit.js';
import { myReportsQuery, reportBody, reportListQuery, reportReasons, reportStatuses, reportTargetTypes, resolveBody } from './schemas.js';

const person = { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: 'string' } } } as const;
const myReportSchema = {
  type: 'object',
  required: ['id', 'targetType', 'targetId', 'reason', 'status', 'createDate'],
  properties: {
    id: { type: 'integer' },
    targetType: { type: 'string', enum: reportTargetTypes },
    targetId: { type: 'integer' },
    reason: { type: 'string', enum: reportReasons },
    note: { type: ['string', 'null'] },
    status: { type: 'string', enum: reportStatuses, description: 'open, or the outcome: dismissed, hidden (the content was hidden) or banned (its author was banned)' },
    createDate: { type: 'string', format: 'date-time' },
    resolvedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;
const reportSchema = {
  type: 'object',
  required: [...myReportSchema.required, 'targetUserId', 'reporter'],
  properties: {
    ...myReportSchema.properties,
    targetUserId: { type: 'integer', description: 'the author of the reported content (the account itself for a user report)' },
    resolution: { type: ['string', 'null'], description: "the moderator's reason" },
    reporter: person,
    resolvedBy: person,
  },
} as const;
const reportParams = { type: 'object', required: ['reportId'], properties: { reportId: { type: 'integer', minimum: 1 } } } as const;

export function registerReportRoutes(api: ApiRouter, ctx: Context): void {
  const { reports } = ctx.services;
  const { reportRateLimit, reportRateWindowSeconds } = ctx.config.auth;
  const perMember = createLimiter(ctx.redis, { name: 'report', limit: reportRateLimit, windowSeconds: reportRateWindowSeconds, key: (req) => `user:${req.user?.id ?? 'none'}` });

  api
    .route({
      method: 'post',
      path: '/reports',
      operationId: 'createReport',
      summary: 'Report a post, a comment, a chat message or an account to the moderators (one open report per target)',
      description:
        'The target must be something the caller can read (otherwise 404, as if it did not exist). Reporting oneself or one’s own content is refused (`own_content`); a second report while the first is open is a 409 `report_exists`. Example: `{"targetType": "post", "targetId": 42, "reason": "spam", "note": "the same link in every board"}`.',
      tags: ['reports'],
      auth: 'required',
      body: reportBody,
      before: [perMember],
      responses: { 201: { description: 'Filed', schema: myReportSchema } },
    })
    .handle(async ({ viewer, body }) => ({ status: 201, body: await reports.create(viewer, body) }));

  api
    .route({
      method: 'get',
      path: '/reports/mine',
      operationId: 'listMyReports',
      summary: 'The caller’s reports, newest first, with their outcome',
      tags: ['reports'],
      auth: 'required',
      query: myReportsQuery,
      responses: { 200: { description: 'A page of reports', schema: pageSchema(myReportSchema) } },
    })
    .handle(async ({ viewer, query }) => ok(await reports.mine(viewer, query)));

  api
    .route({
      method: 'get',
      path: '/reports',
      operationId: 'listReports',
      permission: 'report.manage',
      summary: 'Every report, newest first, by status and target type (moderators)',
      tags: ['reports'],
      auth: 'required',
      query: reportListQuery,
      responses: { 200: { description: 'A page of reports', schema: pageSchema(reportSchema) } },
    })
    .handle(async ({ viewer, query }) => ok(await reports.list(viewer, query)));

  api
    .route({
      method: 'post',
      path: '/reports/:reportId/resolve',
      operationId: 'resolveReport',
      permission: 'report.manage',
      summary: 'Resolve every open report of this report’s target: dismiss, hide the content, or ban its author (moderators)',
      description:
        'Hiding goes through the post, comment or chat service (a chat message is deleted, which hides it); banning through the account service, with its rules (a reason is required; admins only by a superuser). Example: `{"action": "ban", "reason": "spam in every board"}`.',
      tags: ['reports'],
      auth: 'required',
      params: reportParams,
      body: resolveBody,
      responses: { 200: { description: 'The resolved report', schema: reportSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await reports.resolve(viewer, params.reportId, body)));
}
