// The sessions this replica has sockets in ("rooms"): who is joined, the session's current state, local presence,
// and the Redis subscription of the session's channel, held while at least one socket is in the room or joining.
// Control events (this process's services, or another replica through Redis) are applied here.
import { DependencyUnavailableError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { access } from '../access/index.js';
import type { ChatBus, ChatControl, SessionSnapshot } from './bus.js';
import { sessionTopic, without, type ChatSocket } from './connection.js';
import type { Delivery } from './delivery.js';
import { frames, type Ref } from './frames.js';
import { helloAndWaitForAcks } from './replica-hello.js';
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
}

export type LeaveReason = 'leave' | 'removed' | 'deleted' | 'hidden' | 'closed';

export interface RoomDependencies {
  chat: ChatService;
  bus: ChatBus;
  delivery: Delivery;
  log: Logger;
  /** A user's typing goes out at most once per this many ms per session (0: always). */
  typingIntervalMs: number;
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
  async join(ws: ChatSocket, sessionId: number, ref?: Ref): Promise<void> {
    const { chat, bus, delivery } = this.deps;
    const data = ws.getUserData();
    if (data.sessions.includes(sessionId)) {
      delivery.send(ws, frames.joined(this.rooms.get(sessionId)!.state, ref));
      return;
    }
    const { session } = await chat.join(data.user, sessionId, this.rooms.get(sessionId)?.state);
    if (data.closed) return;
    const room = await this.acquire(sessionId, session);
    if (data.closed || data.sessions.includes(sessionId)) return this.release(sessionId, room);
    room.state = session;
    data.sessions = [...data.sessions, sessionId];
    room.sockets.add(ws);
    ws.subscribe(sessionTopic(sessionId));
    const count = (room.online.get(data.user.id) ?? 0) + 1;
    room.online.set(data.user.id, count);
    delivery.send(ws, frames.joined(session, ref));
    if (count === 1) bus.publishFrame(sessionId, frames.presence(sessionId, data.user.id, 'online'));
  }

  /** Takes a socket out of a room (leave, removal, close); tells the others when its user is gone from here. */
  leave(ws: ChatSocket, sessionId: number, reason: LeaveReason, ref?: Ref): void {
    const data = ws.getUserData();
    const room = this.rooms.get(sessionId);
    if (!data.sessions.includes(sessionId) || !room) return;
    data.sessions = without(data.sessions, sessionId);
    room.sockets.delete(ws);
    if (!data.closed) {
      ws.unsubscribe(sessionTopic(sessionId));
      if (reason !== 'closed') this.deps.delivery.send(ws, frames.left(sessionId, reason, ref));
    }
    const left = (room.online.get(data.user.id) ?? 1) - 1;
    if (left > 0) room.online.set(data.user.id, left);
    else {
      room.online.delete(data.user.id);
      room.typingAt?.delete(data.user.id);
      if (reason !== 'deleted') this.deps.bus.publishFrame(sessionId, frames.presence(sessionId, data.user.id, 'offline'));
    }
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
