// The open sockets of this replica, by user too (revocations close all of a user's sockets; the send rate limit
// is per user), and the connection ids that log lines carry.
import crypto from 'node:crypto';
import { NONE, without, type ChatSocket, type SocketData } from './connection.js';
import { TokenBucket } from './token-bucket.js';

interface UserEntry {
  /** This user's sockets here (never mutated: replaced by a new array). */
  sockets: readonly ChatSocket[];
  /** The user's `send` budget on this replica (CHAT_SEND_RATE_PER_SECOND, CHAT_SEND_BURST). */
  sends: TokenBucket;
}

export class ConnectionRegistry {
  readonly sockets = new Set<ChatSocket>();
  private readonly users = new Map<number, UserEntry>();
  private readonly idPrefix = crypto.randomBytes(3).toString('hex');
  private counter = 0;

  constructor(private readonly sendBurst: number) {}

  get size(): number {
    return this.sockets.size;
  }

  /** A number for the next socket (SocketData.conn). */
  nextConnectionNumber(): number {
    return ++this.counter;
  }

  /** The connection id of a socket in log lines. */
  idOf(data: SocketData): string {
    return `${this.idPrefix}-${data.conn.toString(36)}`;
  }

  add(ws: ChatSocket): void {
    const userId = ws.getUserData().user.id;
    this.sockets.add(ws);
    const entry = this.users.get(userId);
    if (!entry) this.users.set(userId, { sockets: [ws], sends: new TokenBucket(this.sendBurst) });
    else entry.sockets = [...entry.sockets, ws];
  }

  remove(ws: ChatSocket): void {
    const userId = ws.getUserData().user.id;
    this.sockets.delete(ws);
    const entry = this.users.get(userId);
    if (!entry) return;
    entry.sockets = without(entry.sockets, ws);
    if (!entry.sockets.length) this.users.delete(userId);
  }

  socketsOf(userId: number): readonly ChatSocket[] {
    return this.users.get(userId)?.sockets ?? NONE;
  }

  /** The user's send budget, while they have a socket here. */
  sendBudgetOf(userId: number): TokenBucket | undefined {
    return this.users.get(userId)?.sends;
  }

  /** Any open socket (to borrow its cork: cork-anchor.ts). */
  any(): ChatSocket | undefined {
    return this.sockets.values().next().value;
  }

  clear(): void {
    this.sockets.clear();
    this.users.clear();
  }
}
