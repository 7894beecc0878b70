// Every resource of the panel, in menu order.
import type { ResourceWithOptions } from 'adminjs';
import type { Context } from '../../src/context.js';
import type { AdminComponents } from '../components.js';
import { aiLogsResource, aisResource } from './ais.js';
import { auditResource } from './audit.js';
import { boardsResource, permissionsResource } from './boards.js';
import { chatSessionsResource, commentsResource, postsResource } from './content.js';
import { usersResource } from './users.js';

export async function buildResources(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions[]> {
  return [
    await usersResource(ctx, c),
    await boardsResource(ctx, c),
    await permissionsResource(ctx, c),
    await postsResource(ctx, c),
    await commentsResource(ctx, c),
    await chatSessionsResource(ctx, c),
    await aisResource(ctx, c),
    await aiLogsResource(ctx, c),
    auditResource(ctx.audit, ctx.prisma, c),
  ];
}
