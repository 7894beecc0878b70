// What the reports service accepts, as JSON Schemas: the service validates its input with them, whoever calls it
// (REST, the admin panel), and the routes declare the same schemas for the edge and the OpenAPI document.
import { visibleText as text } from '../http/schema.js';
import { paginationQuery } from '../http/pagination.js';

export const reportTargetTypes = ['post', 'comment', 'chat_message', 'user'] as const;
export const reportReasons = ['spam', 'harassment', 'hate', 'sexual', 'violence', 'illegal', 'other'] as const;
/** open, then one of the outcomes of a resolution. */
export const reportStatuses = ['open', 'dismissed', 'hidden', 'banned'] as const;
/** What an operator does with the reports of one target: nothing, hide the content, or ban its author. */
export const reportActions = ['dismiss', 'hide', 'ban'] as const;

export type ReportTargetType = (typeof reportTargetTypes)[number];
export type ReportStatus = (typeof reportStatuses)[number];
export type ReportAction = (typeof reportActions)[number];

const id = { type: 'integer', minimum: 1 } as const;

export const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['targetType', 'targetId', 'reason'],
  properties: {
    targetType: { type: 'string', enum: reportTargetTypes },
    targetId: id,
    reason: { type: 'string', enum: reportReasons },
    note: { ...text(1000), description: 'what the moderators should know (optional, at most 1000 characters)' },
  },
} as const;

export const resolveBody = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { type: 'string', enum: reportActions },
    reason: { ...text(512), description: 'why (required to ban; shown to the banned member and in the audit log)' },
  },
} as const;

export const reportListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: reportStatuses },
    targetType: { type: 'string', enum: reportTargetTypes },
    limit: paginationQuery.limit,
    cursor: paginationQuery.cursor,
  },
} as const;

export const myReportsQuery = { type: 'object', additionalProperties: false, properties: { limit: paginationQuery.limit, cursor: paginationQuery.cursor } } as const;
