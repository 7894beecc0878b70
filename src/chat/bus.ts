// The chat bus: how an event about a chat session reaches every socket joined to it, on every replica.
//
// Each process (api or chat replica) has one bus with a random origin id. publish() hands the event to the local
// sink (the chat server of this process, if it runs one: uWS topic publish) at once, and PUBLISHes it on the
// session's Redis channel as `<origin>\n<payload>`. Chat replicas subscribe to the channels of the sessions they
// have sockets in and ignore what carries their own origin, so a frame reaches each socket exactly once: through
// the local publish on the replica that produced it, through Redis on every other one.
//
// Payloads: server frames (JSON text starting with `{`, several separated by newlines), forwarded verbatim; or a
// control event (`!` + JSON) that the replicas act on (member removed, session changed or deleted). See docs/chat-protocol.md.
//
// A replica alone on a session's channel does not publish that session's frames at all (one Redis round trip and
// one echo back to its own subscriber per batch saved, which is every batch for a single chat process):
//   - solo is learnt from PUBLISH's reply: 1 receiver, which is this replica itself;
//   - a replica that subscribes to a session channel says so on it (`replica_hello`) and waits for every other
//     subscriber's `replica_hello_ack` before its socket's `joined` goes out; a replica that gets the hello
//     publishes the session's frames again from then on (peerJoined);
//   - each session's state has an epoch, bumped by every hello, so a PUBLISH reply that was sent before a hello
//     and read after it cannot make the session solo again;
//   - while the replica's subscriber connection is down, it publishes everything and learns nothing (a reply of 1
//     receiver is then another replica, not itself); once it is back and subscribed again, it says hello again on
//     each session (whoever went solo meanwhile hears it).
import crypto from 'node:crypto';
import os from 'node:os';
import { prefixedChannel, redisChannels } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import type { Redis } from '../platform/redis.js';

export interface SessionSnapshot {
  id: number;
  name: string;
  information: string;
  creatorId: number;
  isClosed: boolean;
  isVisible: boolean;
}

export type ChatControl =
  | { kind: 'member_removed'; sessionId: number; userId: number }
  | { kind: 'session_updated'; sessionId: number; session: SessionSnapshot }
  | { kind: 'session_deleted'; sessionId: number }
  /** a replica subscribed to the session (between replicas only; see above) */
  | { kind: 'replica_hello'; sessionId: number }
  | { kind: 'replica_hello_ack'; sessionId: number; to: string };

/** Whether this replica may keep a session's frames to itself (see above). */
interface FanoutState {
  solo: boolean;
  epoch: number;
}

/** What a chat server attaches to receive its own process's events. */
export interface LocalSink {
  frame(sessionId: number, frame: string): void;
  control(event: ChatControl): void;
}

export type BusMessage = { origin: string; frames: string[]; control?: undefined } | { origin: string; control: ChatControl; frames?: undefined };

export class ChatBus {
  /** Unique per process and per bus (two replicas in one test process differ). */
  readonly origin = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private sink: LocalSink | null = null;
  private readonly fanout = new Map<number, FanoutState>();
  /** false while the chat server's subscriber connection is down (see above) */
  private subscribed = true;
  /** Frames published to Redis for other replicas, and frames kept local because no other replica listens. */
  readonly counts = { published: 0, skipped: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** The Redis channel of a session, with the deployment's prefix. */
  channel(sessionId: number): string {
    return prefixedChannel(this.redisPrefix, redisChannels.chatSession(sessionId));
  }

  /** The session id of a channel name (as the subscriber sees it), or null. */
  sessionOfChannel(channel: string): number | null {
    const prefix = prefixedChannel(this.redisPrefix, redisChannels.chatSessionPrefix());
    if (!channel.startsWith(prefix)) return null;
    const id = Number(channel.slice(prefix.length));
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  /** One local sink (the chat server of this process); returns the detach function. */
  attach(sink: LocalSink): () => void {
    if (this.sink) throw new Error('a chat server is already attached to this context');
    this.sink = sink;
    return () => {
      if (this.sink === sink) this.sink = null;
    };
  }

  /**
   * Frames of several sessions: local delivery now; to Redis, one message per session carrying all of that
   * session's frames (newline-separated: JSON text never holds a raw newline), in one pipelined round trip.
   * A group commit of 500 messages in 100 sessions is 100 PUBLISHes, not 500.
   */
  publishFrames(items: { sessionId: number; frame: string }[]): void {
    if (!items.length) return;
    const bySession = new Map<number, string[]>();
    for (const { sessionId, frame } of items) {
      this.sink?.frame(sessionId, frame);
      const list = bySession.get(sessionId);
      if (list) list.push(frame);
      else bySession.set(sessionId, [frame]);
    }
    const pipe = this.redis.pipeline();
    const sent: { state: FanoutState | undefined; epoch: number; learn: boolean }[] = [];
    for (const [sessionId, list] of bySession) {
      const state = this.fanout.get(sessionId);
      if (state?.solo) {
        this.counts.skipped += list.length;
        continue;
      }
      this.counts.published += list.length;
      pipe.publish(this.channel(sessionId), `${this.origin}\n${list.join('\n')}`);
      sent.push({ state, epoch: state?.epoch ?? 0, learn: this.subscribed });
    }
    if (!sent.length) return;
    pipe
      .exec()
      .then((replies) => {
        replies?.forEach(([err, receivers], i) => {
          const { state, epoch, learn } = sent[i];
          // 1 receiver: this replica's own subscription, nobody else (0 would mean ours is gone: stay safe)
          if (!err && receivers === 1 && learn && this.subscribed && state && state.epoch === epoch) state.solo = true;
        });
      })
      .catch((e: unknown) => this.logger.warn({ err: (e as Error).message }, 'chat fan-out to redis failed'));
  }

  /** The chat server of this process subscribed to the session's channel (and said hello on it). */
  track(sessionId: number): void {
    if (!this.fanout.has(sessionId)) this.fanout.set(sessionId, { solo: false, epoch: 0 });
  }

  /** It unsubscribed. */
  untrack(sessionId: number): void {
    this.fanout.delete(sessionId);
  }

  /** Another replica subscribed to the session: its frames go through Redis again. */
  peerJoined(sessionId: number): void {
    const state = this.fanout.get(sessionId);
    if (state) {
      state.solo = false;
      state.epoch++;
    }
  }

  /** The subscriber connection dropped: everything through Redis, and nothing learnt, until subscriberUp(). */
  subscriberDown(): void {
    this.subscribed = false;
    for (const sessionId of this.fanout.keys()) this.peerJoined(sessionId);
  }

  /** Subscribed again and said hello again: replies to what was sent meanwhile still teach nothing (epochs). */
  subscriberUp(): void {
    for (const sessionId of this.fanout.keys()) this.peerJoined(sessionId);
    this.subscribed = true;
  }

  /** Says hello on the session's channel; resolves with the number of its subscribers, this replica included. */
  async hello(sessionId: number): Promise<number> {
    return this.publishControl({ kind: 'replica_hello', sessionId });
  }

  /** Answers another replica's hello. */
  async helloAck(sessionId: number, to: string): Promise<void> {
    await this.publishControl({ kind: 'replica_hello_ack', sessionId, to });
  }

  publishFrame(sessionId: number, frame: string): void {
    this.publishFrames([{ sessionId, frame }]);
  }

  /** To the other replicas only (the caller delivered it here itself, e.g. to everyone but the sender). */
  publishRemote(sessionId: number, frame: string): void {
    if (this.fanout.get(sessionId)?.solo) return;
    this.redis.publish(this.channel(sessionId), `${this.origin}\n${frame}`).catch((e: unknown) => this.logger.warn({ err: (e as Error).message }, 'chat fan-out to redis failed'));
  }

  /** A control event: applied locally first, then sent to the other replicas (awaited, so callers know it left). */
  async control(event: ChatControl): Promise<void> {
    this.sink?.control(event);
    await this.publishControl(event);
  }

  /** A control event on the session's channel, to the other replicas only; resolves with the channel's subscribers. */
  private publishControl(event: ChatControl): Promise<number> {
    return this.redis.publish(this.channel(event.sessionId), `${this.origin}\n!${JSON.stringify(event)}`);
  }

  /** Parses what a subscriber received; null for anything malformed. */
  static parse(raw: string): BusMessage | null {
    const nl = raw.indexOf('\n');
    if (nl <= 0) return null;
    const origin = raw.slice(0, nl);
    if (raw.charCodeAt(nl + 1) === 0x21 /* ! */) {
      try {
        return { origin, control: JSON.parse(raw.slice(nl + 2)) as ChatControl };
      } catch {
        return null;
      }
    }
    return { origin, frames: raw.slice(nl + 1).split('\n') };
  }
}
