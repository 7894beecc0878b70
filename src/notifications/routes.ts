// The notification routes: a member's list, unread count, marking read, deleting, live events (SSE) and settings.
import type { Request, Response } from 'express';
import type { Viewer } from '../access/index.js';
import type { Context } from '../context.js';
import { noContent, ok, STREAMED, type ApiRouter } from '../http/api.js';
import { markReadBody, notificationListQuery, notificationPageSchema, notificationSettingsBody, notificationSettingsSchema, unreadCountSchema } from './schemas.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

/** GET /notifications/events: `unread` with the count at once, then a `notification` event per new notification. */
async function stream(ctx: Context, req: Request, res: Response, viewer: Viewer): Promise<void> {
  const { notifications, notificationHub } = ctx.services;
  const state: { closed: boolean; heartbeat?: NodeJS.Timeout; unsubscribe?: () => void } = { closed: false };
  const finish = () => {
    state.closed = true;
    clearInterval(state.heartbeat);
    state.unsubscribe?.();
  };
  req.on('close', finish);
  // subscribe first, then count: a notification written in between is in the count or in an event
  state.unsubscribe = await notificationHub.subscribe(viewer.id, (frame) => {
    const { notification, unreadCount } = JSON.parse(frame) as { notification: { id: number }; unreadCount: number };
    res.write(`event: notification\nid: ${notification.id}\ndata: ${JSON.stringify({ notification, unreadCount })}\n\n`);
  });
  if (state.closed) return finish();
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  const unreadCount = await notifications.unreadCount(viewer);
  res.write(`retry: 3000\n\nevent: unread\ndata: ${JSON.stringify({ unreadCount })}\n\n`);
  state.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
}

export function registerNotificationRoutes(api: ApiRouter, ctx: Context): void {
  const { notifications } = ctx.services;

  api
    .route({
      method: 'get',
      path: '/notifications',
      operationId: 'listNotifications',
      summary: 'My notifications, newest first (only those whose target I may still read)',
      tags: ['notifications'],
      auth: 'required',
      query: notificationListQuery,
      responses: { 200: { description: 'A page of notifications and the unread count', schema: notificationPageSchema } },
    })
    .handle(async ({ viewer, query }) => ok(await notifications.list(viewer, query)));

  api
    .route({
      method: 'get',
      path: '/notifications/unread-count',
      operationId: 'countUnreadNotifications',
      summary: 'How many of my notifications are unread (one indexed query)',
      tags: ['notifications'],
      auth: 'required',
      responses: { 200: { description: 'The unread count', schema: unreadCountSchema } },
    })
    .handle(async ({ viewer }) => ok({ unreadCount: await notifications.unreadCount(viewer) }));

  api
    .route({
      method: 'post',
      path: '/notifications/read',
      operationId: 'markNotificationsRead',
      summary: 'Mark some (`ids`) or all (`all: true`) of my notifications read; idempotent',
      tags: ['notifications'],
      auth: 'required',
      body: markReadBody,
      responses: { 200: { description: 'The new unread count', schema: unreadCountSchema } },
    })
    .handle(async ({ viewer, body }) => ok(await notifications.markRead(viewer, body)));

  api
    .route({
      method: 'get',
      path: '/notifications/events',
      operationId: 'streamNotifications',
      summary: 'Server-Sent Events: `unread` with the count at once, then `notification` with each new notification and the new count',
      tags: ['notifications'],
      auth: 'required',
      responses: { 200: { description: 'event: unread | notification, data: JSON', contentType: 'text/event-stream', schema: { type: 'string' } } },
    })
    .handle(async ({ viewer, req, res }) => {
      await stream(ctx, req, res, viewer);
      return STREAMED;
    });

  api
    .route({
      method: 'delete',
      path: '/notifications/:id',
      operationId: 'deleteNotification',
      summary: 'Delete one of my notifications',
      tags: ['notifications'],
      auth: 'required',
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await notifications.remove(viewer, params.id);
      return noContent();
    });

  api
    .route({
      method: 'get',
      path: '/users/me/notification-settings',
      operationId: 'getNotificationSettings',
      summary: 'Which notification types I receive',
      tags: ['notifications'],
      auth: 'required',
      responses: { 200: { description: 'Each type, on (true) or off (false)', schema: notificationSettingsSchema } },
    })
    .handle(async ({ viewer }) => ok(await notifications.settings(viewer)));

  api
    .route({
      method: 'put',
      path: '/users/me/notification-settings',
      operationId: 'updateNotificationSettings',
      summary: 'Turn notification types on or off (off: none of that type is created for me); types not named stay as they are',
      tags: ['notifications'],
      auth: 'required',
      body: notificationSettingsBody,
      responses: { 200: { description: 'Each type, on (true) or off (false)', schema: notificationSettingsSchema } },
    })
    .handle(async ({ viewer, body }) => ok(await notifications.updateSettings(viewer, body)));
}
