// The replica's Redis subscriber connection: the channels of the sessions its sockets are in (frames and control
// events from the other replicas and the api process) and the revocation channel. Replica hellos are answered
// here; everything else goes to the handlers. See bus.ts for the protocol on these channels.
import type { Config } from '../config.js';
import { prefixedChannel, redisChannels } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import { closeRedis, createRedis, type Redis } from '../platform/redis.js';
import { notificationChannel, parseLive } from '../notifications/index.js';
import { ChatBus, type ChatControl } from './bus.js';
import type { ChatMetrics } from './metrics.js';

/** The Redis connection name of a replica's subscriber, so that CLIENT LIST tells the replicas apart. */
export const subscriberName = (replicaId: string) => `chat-sub:${replicaId.replace(/[^\w:.-]/g, '_')}`;

export interface SubscriberHandlers {
  /** A user's sessions were revoked (ban, password change, logout-all…). */
  revoke(userId: number): void;
  /** A new notification of a user (a `notification` frame for their sockets on this replica). */
  notify(userId: number, frame: string): void;
  /** A frame another process published to a session. */
  frame(sessionId: number, frame: string): void;
  /** A control event another process published. */
  control(event: ChatControl): void;
  /** Another replica acknowledged this one's hello on a session. */
  helloAcknowledged(sessionId: number): void;
  /** The sessions this replica is subscribed to (said hello on again after a reconnect). */
  sessionIds(): number[];
  /** Subscribed again after the connection was down: what other processes published meanwhile never came. */
  resubscribed(): void;
}

export class ChatSubscriber {
  private up = true;

  /** Whether the subscriber connection is up (readiness). */
  get connected(): boolean {
    return this.up && this.redis.status === 'ready';
  }

  private constructor(
    private readonly redis: Redis,
    private readonly bus: ChatBus,
  ) {}

  /** Connects, subscribes to the revocation channel and starts dispatching to `handlers`. */
  static async open(config: Pick<Config, 'redisUrl' | 'redisPrefix'>, bus: ChatBus, metrics: ChatMetrics, log: Logger, handlers: SubscriberHandlers): Promise<ChatSubscriber> {
    const redis = createRedis({ redisUrl: config.redisUrl, redisPrefix: '' }, subscriberName(bus.origin));
    redis.on('error', (err: Error) => log.warn({ err: err.message }, 'chat subscriber connection error'));
    const revocations = prefixedChannel(config.redisPrefix, redisChannels.chatRevocations());
    const notifications = notificationChannel(config.redisPrefix);
    const ownOrigin = `${bus.origin}\n`;
    redis.on('message', (channel: string, raw: string) => {
      if (channel === revocations) return handlers.revoke(Number(raw));
      if (channel === notifications) {
        const live = parseLive(raw);
        return live ? handlers.notify(live.userId, live.frame) : undefined;
      }
      if (raw.startsWith(ownOrigin)) return; // this replica delivered it already
      const sessionId = bus.sessionOfChannel(channel);
      const msg = sessionId === null ? null : ChatBus.parse(raw);
      if (sessionId === null || !msg) return;
      if (msg.control) {
        const c = msg.control;
        if (c.kind === 'replica_hello') {
          // another replica subscribed: this one publishes the session's frames again, then says it does
          bus.peerJoined(sessionId);
          bus.helloAck(sessionId, msg.origin).catch((e: unknown) => log.warn({ err: (e as Error).message, sessionId }, 'chat: could not answer a replica hello'));
          return;
        }
        if (c.kind === 'replica_hello_ack') {
          if (c.to === bus.origin) handlers.helloAcknowledged(sessionId);
          return;
        }
        metrics.relayed.inc();
        handlers.control(c);
      } else {
        metrics.relayed.inc(msg.frames.length);
        for (const frame of msg.frames) handlers.frame(sessionId, frame);
      }
    });
    const subscriber = new ChatSubscriber(redis, bus);
    try {
      await redis.subscribe(revocations, notifications);
    } catch (e) {
      await closeRedis(redis);
      throw e;
    }
    subscriber.watchReconnects(log, handlers);
    return subscriber;
  }

  subscribe(sessionId: number): Promise<unknown> {
    return this.redis.subscribe(this.bus.channel(sessionId));
  }

  unsubscribe(sessionId: number): void {
    this.redis.unsubscribe(this.bus.channel(sessionId)).catch(() => undefined);
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }

  // While the connection is down, everything goes through Redis (bus.ts). After a reconnect (ioredis subscribes
  // again by itself) the subscriptions are confirmed, the joined sockets are told to catch up (`resync`: what was
  // published while the connection was down is lost) and the replica says hello on each of its sessions, since
  // another replica may have gone solo on a channel while this one was away from it.
  private watchReconnects(log: Logger, handlers: SubscriberHandlers): void {
    const { redis, bus } = this;
    redis.on('close', () => {
      if (!this.up) return;
      this.up = false;
      log.warn('chat subscriber connection lost: frames from other replicas are missed until it is back');
      bus.subscriberDown();
    });
    redis.on('ready', () => {
      if (this.up) return;
      this.up = true;
      const ids = handlers.sessionIds();
      log.info({ sessions: ids.length }, 'chat subscriber connection is back');
      const resubscribed = () => {
        if (this.up) handlers.resubscribed();
      };
      (ids.length
        ? redis
            .subscribe(...ids.map((id) => bus.channel(id)))
            .then(resubscribed)
            .then(() => Promise.all(ids.map((id) => bus.hello(id))))
        : Promise.resolve().then(resubscribed)
      ).then(
        () => {
          if (this.up) bus.subscriberUp();
        },
        (e: unknown) => log.warn({ err: (e as Error).message }, 'chat: could not say hello again after a reconnect; every session stays on Redis'),
      );
    });
  }
}
