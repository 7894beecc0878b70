// One chat WebSocket as the server sees it: its state (uWS user data), the uWS topics it subscribes to, and the
// close codes the server ends it with (docs/chat-protocol.md).
import type { WebSocket } from 'uWebSockets.js';
import type { Viewer } from '../access/index.js';
import type { FrameLimits } from './frame-limits.js';
import type { Ref } from './frames.js';

/** Close codes the server uses (docs/chat-protocol.md). */
export const CloseCodes = {
  goingAway: 1001,
  policyViolation: 1008,
  revoked: 4001,
  slowConsumer: 4008,
} as const;

// Per-socket state is kept small: 10,000 idle sockets should cost < 4 KB each (bench:chat), so there are plain
// arrays replaced on change instead of Sets, a number instead of a connection-id string, and no map of joins in
// progress once they are done.
export interface SocketData {
  /** Connection number on this replica; the log's connection id is ConnectionRegistry.idOf(data). */
  conn: number;
  user: Viewer;
  /** Joined sessions (never mutated: replaced by a new array). */
  sessions: readonly number[];
  /** Joins in progress (frames for that session wait for them); null when there are none. */
  joining: Map<number, Promise<void>> | null;
  invalid: number;
  closed: boolean;
  /** Subscribed to its own reply topic (replyTopic(conn)): on its first send. */
  replies: boolean;
  /** Budgets of the frames other than `send`; null until the socket's first such frame. */
  limits: FrameLimits | null;
}

export type ChatSocket = WebSocket<SocketData>;

/** What an error frame may echo so that the client can match it to its request. */
export interface ErrorContext {
  clientMsgId?: string;
  ref?: Ref;
  sessionId?: number;
}

/** The uWS topic of a session: every local socket joined to it. */
export const sessionTopic = (sessionId: number) => `s:${sessionId}`;
/** A socket's own topic, for the acks and errors of its messages (message-sender.ts). */
export const replyTopic = (conn: number) => `c:${conn}`;

export const NONE: readonly never[] = Object.freeze([]);
export const without = <T>(list: readonly T[], item: T): readonly T[] => (list.length === 1 && list[0] === item ? NONE : list.filter((x) => x !== item));
