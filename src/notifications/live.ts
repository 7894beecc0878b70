// Live delivery of new notifications over Redis pub/sub: one channel per deployment carrying
// `<userId>\n<frame>`, where the frame is the chat protocol's `notification` frame (docs/chat-protocol.md).
// Every chat replica subscribes to it and hands the frame to that member's sockets there; each api process
// subscribes on first use for its SSE streams (NotificationHub). A frame lost while a subscriber reconnects is
// not resent: the list and the unread count are the record.
import { ChannelHub } from '../platform/channel-hub.js';
import { prefixedChannel, redisChannels } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import type { Redis } from '../platform/redis.js';
import type { NotificationView } from './present.js';

export const notificationChannel = (redisPrefix: string) => prefixedChannel(redisPrefix, redisChannels.notifications());

export const notificationFrame = (notification: NotificationView, unreadCount: number) => JSON.stringify({ v: 1, type: 'notification', notification, unreadCount });

/** Parses a message of the channel; null for anything malformed. */
export function parseLive(raw: string): { userId: number; frame: string } | null {
  const nl = raw.indexOf('\n');
  const userId = Number(raw.slice(0, nl));
  return nl > 0 && Number.isInteger(userId) && userId > 0 ? { userId, frame: raw.slice(nl + 1) } : null;
}

export async function publishLive(redis: Redis, redisPrefix: string, items: { userId: number; frame: string }[], logger: Logger): Promise<void> {
  if (!items.length) return;
  const channel = notificationChannel(redisPrefix);
  const p = redis.pipeline();
  for (const i of items) p.publish(channel, `${i.userId}\n${i.frame}`);
  try {
    await p.exec();
  } catch (err) {
    logger.warn({ err: (err as Error).message, notifications: items.length }, 'could not publish notifications live');
  }
}

/** The api process's subscriber for SSE streams: listeners by member, given each new notification frame. */
export class NotificationHub extends ChannelHub<string> {
  constructor(redis: Redis, redisPrefix: string, logger: Logger) {
    super(redis, logger, {
      channel: notificationChannel(redisPrefix),
      connectionName: 'agora-notifications',
      what: 'notifications',
      route: (message) => {
        const m = parseLive(message);
        return m && { id: m.userId, arg: m.frame };
      },
    });
  }
}
