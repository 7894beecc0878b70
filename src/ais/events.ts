// Completion events of AI jobs over Redis pub/sub. The worker publishes one message per final state on one
// channel per deployment; each api process keeps a single subscriber connection (opened on first use) and
// hands messages to the local listeners of that AiLog (the SSE streams). A message lost while the subscriber
// was reconnecting is covered: after every reconnect all listeners are told to re-read the row.
import type { Logger } from '../platform/logger.js';
import { prefixedChannel, redisChannels } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';
import type { AiEvent } from './jobs.js';

export const aiEventsChannel = (redisPrefix: string) => prefixedChannel(redisPrefix, redisChannels.aiEvents());

/** Publishes events in one round trip; a failure is logged (polling GET /ailogs/:id always works). */
export async function publishAiEvents(redis: Redis, redisPrefix: string, events: AiEvent[], logger: Logger): Promise<void> {
  if (!events.length) return;
  const channel = aiEventsChannel(redisPrefix);
  const p = redis.pipeline();
  for (const e of events) p.publish(channel, JSON.stringify(e));
  try {
    await p.exec();
  } catch (err) {
    logger.warn({ err: (err as Error).message, events: events.length }, 'could not publish AI events');
  }
}

type Listener = () => void;

export class AiEventHub {
  private sub: Redis | null = null;
  private subscribed: Promise<unknown> | null = null;
  private readonly listeners = new Map<number, Set<Listener>>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
  ) {}

  private start(): Promise<unknown> {
    if (this.subscribed) return this.subscribed;
    const sub = this.redis.duplicate({ connectionName: 'agora-ai-events' });
    this.sub = sub;
    sub.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'AI events subscriber connection error'));
    let first = true;
    sub.on('ready', () => {
      // ioredis re-subscribes by itself; what was published in between is recovered by re-reading
      if (!first) for (const set of this.listeners.values()) for (const l of set) l();
      first = false;
    });
    sub.on('message', (_channel: string, message: string) => {
      let e: AiEvent;
      try {
        e = JSON.parse(message) as AiEvent;
      } catch {
        return;
      }
      if (e.type !== 'ailog') return;
      for (const l of this.listeners.get(e.id) ?? []) l();
    });
    this.subscribed = sub.subscribe(aiEventsChannel(this.redisPrefix));
    this.subscribed.catch(() => {
      // reported to the caller of subscribe(); the next caller tries again
      this.subscribed = null;
      this.sub = null;
      sub.disconnect();
    });
    return this.subscribed;
  }

  /** Calls `listener` when AiLog `id` may have reached a final state. Resolves once the subscription is live. */
  async subscribe(id: number, listener: Listener): Promise<() => void> {
    if (this.closed) throw new Error('AI event hub closed');
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    const unsubscribe = () => {
      const s = this.listeners.get(id);
      s?.delete(listener);
      if (s && !s.size) this.listeners.delete(id);
    };
    try {
      await this.start();
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    const sub = this.sub;
    this.sub = null;
    this.subscribed = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
