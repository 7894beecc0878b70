// A member's notifications: the list (newest first, what they may still read), the unread count, marking read,
// deleting, and which types they want. Notifications are written by the worker (fanout.ts), never here.
import { access, type Viewer } from '../access/index.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { decodeIdKey, encodeKey } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import type { Db } from '../platform/prisma.js';
import { notificationSelect, type NotificationPresenter, type NotificationView } from './present.js';
import { markReadBody, notificationListQuery, notificationSettingsBody, notificationTypes, type NotificationType } from './schemas.js';

const validateList = compile(notificationListQuery, false);
const validateRead = compile(markReadBody, false);
const validateSettings = compile(notificationSettingsBody, false);

export interface NotificationPage {
  items: NotificationView[];
  nextCursor: string | null;
  unreadCount: number;
}

export type NotificationSettings = Record<NotificationType, boolean>;

export class NotificationsService {
  constructor(
    private readonly prisma: Db,
    readonly presenter: NotificationPresenter,
  ) {}

  /**
   * Newest first, keyset by id. Notifications whose target the member can no longer read are left out (a page
   * may then hold fewer than `limit`; `nextCursor` still says whether more follow) and are marked read, so that
   * the unread count stops counting what cannot be shown.
   */
  async list(viewer: Viewer, query: { unread?: boolean; limit?: number; cursor?: string }): Promise<NotificationPage> {
    const q = { unread: false, limit: 20, ...query };
    if (!validateList(q)) throw ValidationError.of(fieldErrors(validateList.errors, 'query'));
    const before = q.cursor ? decodeIdKey(q.cursor) : undefined;
    const rows = await this.prisma.notification.findMany({
      where: { userId: viewer.id, ...(q.unread ? { readAt: null } : {}), ...(before !== undefined ? { id: { lt: before } } : {}) },
      select: notificationSelect,
      orderBy: { id: 'desc' },
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const { items, hidden } = await this.presenter.present(viewer, page);
    if (hidden.length) await this.prisma.notification.updateMany({ where: { id: { in: hidden }, userId: viewer.id, readAt: null }, data: { readAt: new Date() } });
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeKey([last.id]) : null, unreadCount: await this.unreadCount(viewer) };
  }

  /** One indexed count (userId, readAt). */
  unreadCount(viewer: Viewer): Promise<number> {
    return this.prisma.notification.count({ where: { userId: viewer.id, readAt: null } });
  }

  /** Marks the named notifications (only the member's own; others' ids are ignored) or all of them read. Idempotent. */
  async markRead(viewer: Viewer, body: { ids?: number[]; all?: boolean }): Promise<{ unreadCount: number }> {
    if (!validateRead(body)) throw ValidationError.of(fieldErrors(validateRead.errors, 'body'));
    await this.prisma.notification.updateMany({
      where: { userId: viewer.id, readAt: null, ...(body.all ? {} : { id: { in: body.ids ?? [] } }) },
      data: { readAt: new Date() },
    });
    return { unreadCount: await this.unreadCount(viewer) };
  }

  async remove(viewer: Viewer, id: number): Promise<void> {
    const row = await this.prisma.notification.findUnique({ where: { id }, select: { userId: true } });
    if (!row) throw new NotFoundError('notification_not_found', 'No such notification.');
    access.require(viewer, 'notification.read', row);
    await this.prisma.notification.deleteMany({ where: { id, userId: viewer.id } });
  }

  async settings(viewer: Viewer): Promise<NotificationSettings> {
    const muted = new Set((await this.prisma.notificationMute.findMany({ where: { userId: viewer.id }, select: { type: true } })).map((m) => m.type));
    return Object.fromEntries(notificationTypes.map((t) => [t, !muted.has(t)])) as NotificationSettings;
  }

  /** Turns the named types on or off (the others stay as they are); answers every type's setting. */
  async updateSettings(viewer: Viewer, patch: Partial<NotificationSettings>): Promise<NotificationSettings> {
    if (!validateSettings(patch)) throw ValidationError.of(fieldErrors(validateSettings.errors, 'body'));
    const off = notificationTypes.filter((t) => patch[t] === false);
    const on = notificationTypes.filter((t) => patch[t] === true);
    await this.prisma.$transaction([
      this.prisma.notificationMute.deleteMany({ where: { userId: viewer.id, type: { in: [...on, ...off] } } }),
      this.prisma.notificationMute.createMany({ data: off.map((type) => ({ userId: viewer.id, type })) }),
    ]);
    return this.settings(viewer);
  }
}
