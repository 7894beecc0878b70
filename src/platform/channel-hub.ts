// One process's subscriber to one Redis pub/sub channel, handing each message to the local listeners of the id
// it is about (an SSE stream per AI log, per member). The connection is opened on first use and shared by every
// listener; a failed subscription is reported to the caller and the next caller tries again.
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';

export interface ChannelHubOptions<A> {
  /** The channel, already prefixed (prefixedChannel). */
  channel: string;
  /** The subscriber connection's name (CLIENT LIST), and what the logs call it. */
  connectionName: string;
  what: string;
  /** Whom a message is for and what their listeners get; null ignores it (malformed, or not for listeners). */
  route: (message: string) => { id: number; arg: A } | null;
  /**
   * What every listener gets after the connection comes back (ioredis subscribes again by itself): a message
   * published in between is lost, so listeners that can recover (re-read a row) are told. Unset: nothing.
   */
  onReconnect?: { arg: A };
}

export class ChannelHub<A> {
  private sub: Redis | null = null;
  private subscribed: Promise<unknown> | null = null;
  private readonly listeners = new Map<number, Set<(arg: A) => void>>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly options: ChannelHubOptions<A>,
  ) {}

  private start(): Promise<unknown> {
    if (this.subscribed) return this.subscribed;
    const o = this.options;
    const sub = this.redis.duplicate({ connectionName: o.connectionName, keyPrefix: '' });
    this.sub = sub;
    sub.on('error', (err: Error) => this.logger.warn({ err: err.message }, `${o.what} subscriber connection error`));
    let first = true;
    sub.on('ready', () => {
      if (!first && o.onReconnect) for (const set of this.listeners.values()) for (const l of set) l(o.onReconnect.arg);
      first = false;
    });
    sub.on('message', (_channel: string, message: string) => {
      const m = o.route(message);
      if (m) for (const l of this.listeners.get(m.id) ?? []) l(m.arg);
    });
    this.subscribed = sub.subscribe(o.channel);
    this.subscribed.catch(() => {
      this.subscribed = null;
      this.sub = null;
      sub.disconnect();
    });
    return this.subscribed;
  }

  /** Calls `listener` with each message for `id`; resolves once the subscription is live. Returns the unsubscribe. */
  async subscribe(id: number, listener: (arg: A) => void): Promise<() => void> {
    if (this.closed) throw new Error(`${this.options.what} hub closed`);
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
