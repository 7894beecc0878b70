// Live delivery of new notifications over Redis pub/sub: one channel per deployment carrying
// `<userId>\n<frame>`, where the frame is the chat protocol's `notification` frame (docs/chat-protocol.md).
// Every chat replica subscribes to it and hands the frame to that member's sockets there; each api process
// subscribes on first use for its SSE streams (NotificationHub). A frame lost while a subscriber reconnects is
// not resent: the list and the unread count are the record.
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

type Listener = (frame: string) => void;

/** The api process's subscriber for SSE streams: one connection, opened on first use, listeners by member. */
export class NotificationHub {
  private sub: Redis | null = null;
  private subscribed: Promise<unknown> | null = null;
  private readonly listeners = new Map<number, Set<Listener>>();

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
  ) {}

  private start(): Promise<unknown> {
    if (this.subscribed) return this.subscribed;
    const sub = this.redis.duplicate({ connectionName: 'agora-notifications', keyPrefix: '' });
    this.sub = sub;
    sub.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'notifications subscriber connection error'));
    sub.on('message', (_channel: string, raw: string) => {
      const m = parseLive(raw);
      if (m) for (const l of this.listeners.get(m.userId) ?? []) l(m.frame);
    });
    this.subscribed = sub.subscribe(notificationChannel(this.redisPrefix));
    this.subscribed.catch(() => {
      this.subscribed = null;
      this.sub = null;
      sub.disconnect();
    });
    return this.subscribed;
  }

  /** Calls `listener` with each new notification frame of the member; resolves once the subscription is live. */
  async subscribe(userId: number, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    const unsubscribe = () => {
      const s = this.listeners.get(userId);
      s?.delete(listener);
      if (s && !s.size) this.listeners.delete(userId);
    };
    try {
      await this.start();
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  close(): void {
    this.listeners.clear();
    this.sub?.disconnect();
    this.sub = null;
    this.subscribed = null;
  }
}
