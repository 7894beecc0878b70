// The sessions this replica has sockets in ("rooms"): who is joined, the session's current state, local presence,
// and the Redis subscription of the session's channel, held while at least one socket is in the room or joining.
// Control events (this process's services, or another replica through Redis) are applied here. A join with `after`
// (resume) keeps what is published to the session meanwhile and sends it behind the replay (sendReplay).
import { DependencyUnavailableError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { access } from '../access/index.js';
import type { ChatBus, ChatControl, SessionSnapshot } from './bus.js';
import { replyTopic, sessionTopic, without, type ChatSocket } from './connection.js';
import type { Delivery } from './delivery.js';
import { frames, type Ref } from './frames.js';
import { helloAndWaitForAcks } from './replica-hello.js';
import type { ResumeResult } from './resume.js';
import type { ChatService } from './service.js';
import type { ChatSubscriber } from './subscriber.js';

interface Room {
  sockets: Set<ChatSocket>;
  /** sockets in the room plus joins in progress; the Redis channel is subscribed while > 0 */
  refs: number;
  ready: Promise<unknown>;
  state: SessionSnapshot;
  /** local sockets per user, for presence */
  online: Map<number, number>;
  /** While this replica's hello on the session channel waits for the other replicas' acks */
  helloAck?: () => void;
  /** When each user's last typing frame went out (typingMayGoOut); created on the first one. */
  typingAt?: Map<number, number>;
  /** Sockets resuming the session, off its topic: what is published to it goes to these instead (capture). */
  resuming?: Map<ChatSocket, (frame: string) => void>;
}

interface Replay {
  result: ResumeResult;
  /** what was published to the session while the replay was read */
  kept: string[];
  take: (frame: string) => void;
}

/** How long after a resume the socket's frames are still checked against the replayed messages (sendReplay). */
export const RESUME_DEDUPE_MS = 1000;
const MESSAGE_FRAME = '{"v":1,"type":"message"';

export type LeaveReason = 'leave' | 'removed' | 'deleted' | 'hidden' | 'closed';

export interface RoomDependencies {
  chat: ChatService;
  bus: ChatBus;
  delivery: Delivery;
  log: Logger;
  /** A user's typing goes out at most once per this many ms per session (0: always). */
  typingIntervalMs: number;
  /** The most messages a join with `after` replays (CHAT_RESUME_MAX). */
  resumeMax: number;
  /** Set once the subscriber is open (it needs the rooms' handlers first). */
  subscriber(): ChatSubscriber;
}

export class RoomRegistry {
  private readonly rooms = new Map<number, Room>();

  constructor(private readonly deps: RoomDependencies) {}

  ids(): number[] {
    return [...this.rooms.keys()];
  }

  socketsIn(sessionId: number): Iterable<ChatSocket> | undefined {
    return this.rooms.get(sessionId)?.sockets;
  }

  /** The state of a session this socket has joined, or undefined. */
  joinedState(ws: ChatSocket, sessionId: number): SessionSnapshot | undefined {
    return ws.getUserData().sessions.includes(sessionId) ? this.rooms.get(sessionId)?.state : undefined;
  }

  /** Every frame published to a session here (`from`: published by that socket, which does not get it). */
  capture(sessionId: number, frame: string, from?: ChatSocket): void {
    const resuming = this.rooms.get(sessionId)?.resuming;
    if (resuming) for (const [ws, take] of resuming) if (ws !== from) take(frame);
  }

  helloAcknowledged(sessionId: number): void {
    this.rooms.get(sessionId)?.helloAck?.();
  }

  /**
   * Typing is coalesced per user and session on this replica: a user's `typing` goes out at most once per
   * CHAT_TYPING_INTERVAL_MS, whichever of their sockets sends it; the others in between are dropped.
   */
  typingMayGoOut(sessionId: number, userId: number, now = performance.now()): boolean {
    const room = this.rooms.get(sessionId);
    if (!room) return false;
    const interval = this.deps.typingIntervalMs;
    if (interval <= 0) return true;
    const last = room.typingAt?.get(userId);
    if (last !== undefined && now - last < interval) return false;
    (room.typingAt ??= new Map()).set(userId, now);
    return true;
  }

  /** Joins a socket to a session (access checked by ChatService); answers `joined`, tells the others when its user arrives. */
  async join(ws: ChatSocket, sessionId: number, ref?: Ref, after?: number): Promise<void> {
    const { chat, bus, delivery } = this.deps;
    const data = ws.getUserData();
    if (data.sessions.includes(sessionId)) {
      const room = this.rooms.get(sessionId)!;
      if (after === undefined) return delivery.send(ws, frames.joined(room.state, ref, { online: await this.online(sessionId, data.user.id) }));
      // joined already (after a `resync`): off the topic while the replay is read, then back on behind it
      ws.unsubscribe(sessionTopic(sessionId));
      const replay = await this.readReplay(ws, room, sessionId, after).catch((e: unknown) => {
        // still joined: back on the topic, and the error goes to the client
        if (!data.closed && data.sessions.includes(sessionId)) ws.subscribe(sessionTopic(sessionId));
        throw e;
      });
      const online = await this.online(sessionId, data.user.id);
      if (data.closed || !data.sessions.includes(sessionId) || this.rooms.get(sessionId) !== room) return this.stopResuming(room, ws, replay.take);
      return this.sendReplay(ws, room, sessionId, frames.joined(room.state, ref, { online, resumed: replay.result.resumed, hasMore: !replay.result.resumed }), replay);
    }
    const { session } = await chat.join(data.user, sessionId, this.rooms.get(sessionId)?.state);
    if (data.closed) return;
    const room = await this.acquire(sessionId, session);
    if (data.closed || data.sessions.includes(sessionId)) return this.release(sessionId, room);
    let replay: Replay | undefined;
    if (after !== undefined) {
      try {
        replay = await this.readReplay(ws, room, sessionId, after);
      } catch (e) {
        this.release(sessionId, room);
        throw e;
      }
    }
    // the user is counted here (and, for their first socket, on Redis: presence.ts) before `joined`, so that its
    // `online` includes them and the others get `presence` once
    const count = (room.online.get(data.user.id) ?? 0) + 1;
    room.online.set(data.user.id, count);
    if (count === 1) await this.deps.chat.presence.arrive(bus.origin, sessionId, data.user.id);
    const online = await this.online(sessionId, data.user.id);
    if (data.closed || data.sessions.includes(sessionId)) {
      if (replay) this.stopResuming(room, ws, replay.take);
      this.uncount(room, sessionId, data.user.id, false);
      return this.release(sessionId, room);
    }
    room.state = session;
    data.sessions = [...data.sessions, sessionId];
    room.sockets.add(ws);
    if (!replay) {
      ws.subscribe(sessionTopic(sessionId));
      delivery.send(ws, frames.joined(session, ref, { online }));
    } else this.sendReplay(ws, room, sessionId, frames.joined(session, ref, { online, resumed: replay.result.resumed, hasMore: !replay.result.resumed }), replay);
  }

  /** The members connected to the session anywhere (this user included); without Redis, those connected here. */
  private async online(sessionId: number, userId: number): Promise<number[]> {
    try {
      const ids = await this.deps.chat.presence.online(sessionId);
      return ids.includes(userId) ? ids : [...ids, userId].sort((x, y) => x - y);
    } catch {
      return [...(this.rooms.get(sessionId)?.online.keys() ?? [userId])].sort((x, y) => x - y);
    }
  }

  /** One socket of the user fewer here; their last one: no longer counted on Redis (`presence offline` unless quiet). */
  private uncount(room: Room, sessionId: number, userId: number, quiet: boolean): void {
    const left = (room.online.get(userId) ?? 1) - 1;
    if (left > 0) return void room.online.set(userId, left);
    room.online.delete(userId);
    room.typingAt?.delete(userId);
    void this.deps.chat.presence.depart(this.deps.bus.origin, sessionId, userId, quiet);
  }

  /**
   * Reads what the socket missed after `after` (resume.ts) while keeping what is published to the session meanwhile:
   * the room is on the session's channel already, the socket not on its topic.
   */
  private async readReplay(ws: ChatSocket, room: Room, sessionId: number, after: number): Promise<Replay> {
    const kept: string[] = [];
    const take = (frame: string) => void kept.push(frame);
    (room.resuming ??= new Map()).set(ws, take);
    try {
      return { result: await this.deps.chat.resume(ws.getUserData().user, sessionId, after, this.deps.resumeMax), kept, take };
    } catch (e) {
      this.stopResuming(room, ws, take);
      throw e;
    }
  }

  /**
   * `joined`, the replay, then what was published meanwhile, without the messages the replay holds. For
   * RESUME_DEDUPE_MS more the socket stays off the session's topic and gets its frames one by one (through its reply
   * topic, so they stay behind the replay and in order with its acks), still without the replayed messages: a message
   * committed before the replay was read may reach this replica through Redis a moment later. Then it is subscribed.
   */
  private sendReplay(ws: ChatSocket, room: Room, sessionId: number, joined: string, { result, kept, take }: Replay): void {
    const { delivery } = this.deps;
    const data = ws.getUserData();
    const replayed = result.resumed ? result.messageIds : new Set<number>();
    const fresh = (f: string) => !(replayed.size && f.startsWith(MESSAGE_FRAME) && replayed.has((JSON.parse(f) as { id: number }).id));
    delivery.sendMany(ws, [joined, ...(result.resumed ? result.frames : []), ...kept.filter(fresh)]);
    if (!replayed.size) {
      this.stopResuming(room, ws, take);
      ws.subscribe(sessionTopic(sessionId));
      return;
    }
    if (!data.replies) {
      ws.subscribe(replyTopic(data.conn));
      data.replies = true;
    }
    const forward = (f: string) => {
      if (fresh(f)) delivery.reply(ws, f);
    };
    room.resuming!.set(ws, forward);
    setTimeout(() => {
      if (room.resuming?.get(ws) !== forward) return;
      this.stopResuming(room, ws, forward);
      if (!data.closed && data.sessions.includes(sessionId) && this.rooms.get(sessionId) === room) ws.subscribe(sessionTopic(sessionId));
    }, RESUME_DEDUPE_MS).unref();
  }

  private stopResuming(room: Room, ws: ChatSocket, take: (frame: string) => void): void {
    if (room.resuming?.get(ws) !== take) return;
    room.resuming.delete(ws);
    if (!room.resuming.size) room.resuming = undefined;
  }

  /** Takes a socket out of a room (leave, removal, close); tells the others when its user is gone from here. */
  leave(ws: ChatSocket, sessionId: number, reason: LeaveReason, ref?: Ref): void {
    const data = ws.getUserData();
    const room = this.rooms.get(sessionId);
    if (!data.sessions.includes(sessionId) || !room) return;
    data.sessions = without(data.sessions, sessionId);
    room.sockets.delete(ws);
    room.resuming?.delete(ws);
    if (!data.closed) {
      ws.unsubscribe(sessionTopic(sessionId));
      if (reason !== 'closed') this.deps.delivery.send(ws, frames.left(sessionId, reason, ref));
    }
    this.uncount(room, sessionId, data.user.id, reason === 'deleted');
    this.release(sessionId, room);
  }

  /** A control event about a session: removed members, hidden or deleted sessions leave; changes reach every socket. */
  applyControl(ev: ChatControl): void {
    const room = this.rooms.get(ev.sessionId);
    if (!room) return;
    if (ev.kind === 'member_removed') {
      for (const ws of [...room.sockets]) {
        const { user } = ws.getUserData();
        if (user.id === ev.userId && !access.can(user, 'chatSession.read', { isVisible: room.state.isVisible, isMember: false })) this.leave(ws, ev.sessionId, 'removed');
      }
    } else if (ev.kind === 'session_deleted') {
      for (const ws of [...room.sockets]) this.leave(ws, ev.sessionId, 'deleted');
    } else if (ev.kind === 'session_updated') {
      room.state = ev.session;
      this.deps.delivery.publish(ev.sessionId, frames.session(ev.session));
      for (const ws of [...room.sockets]) if (!access.can(ws.getUserData().user, 'chatSession.read', { isVisible: ev.session.isVisible, isMember: true })) this.leave(ws, ev.sessionId, 'hidden');
    }
  }

  clear(): void {
    this.rooms.clear();
  }

  private async acquire(sessionId: number, state: SessionSnapshot): Promise<Room> {
    let room = this.rooms.get(sessionId);
    if (!room) {
      const created: Room = { sockets: new Set(), refs: 0, ready: Promise.resolve(), state, online: new Map() };
      created.ready = this.subscribeAndHello(sessionId, created);
      this.rooms.set(sessionId, (room = created));
    }
    room.refs++;
    try {
      await room.ready;
    } catch (e) {
      this.release(sessionId, room);
      throw new DependencyUnavailableError(undefined, `Redis is not reachable: ${(e as Error).message}`);
    }
    return room;
  }

  /** Subscribes to the session's channel, then says hello on it (replica-hello.ts). */
  private async subscribeAndHello(sessionId: number, room: Room): Promise<void> {
    await this.deps.subscriber().subscribe(sessionId);
    await helloAndWaitForAcks(this.deps.bus, sessionId, this.deps.log, (ack) => (room.helloAck = ack));
    if (this.rooms.get(sessionId) === room) this.deps.bus.track(sessionId);
  }

  private release(sessionId: number, room: Room): void {
    room.refs--;
    if (room.refs > 0 || this.rooms.get(sessionId) !== room) return;
    this.rooms.delete(sessionId);
    this.deps.bus.untrack(sessionId);
    this.deps.subscriber().unsubscribe(sessionId);
  }
}
