// The events that notify someone, and how a service hands one over: a BullMQ job on the `notifications` queue,
// added without waiting for it (the request that caused it never waits for the fan-out), with a job id derived
// from the event, so that an event emitted twice is queued once. The worker (ai-worker/notifications.ts) finds
// the recipients and writes their notifications (fanout.ts); each is also unique per recipient and event.
import crypto from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Logger } from '../platform/logger.js';
import { queueNames, type Queues } from '../platform/queue.js';

export type NotificationEvent =
  /** a comment: its post's author, and whoever it mentions */
  | { kind: 'comment'; commentId: number }
  /** a post: whoever it mentions */
  | { kind: 'post'; postId: number }
  /** a chat message: whoever it mentions and may read the session */
  | { kind: 'chat_message'; messageId: number }
  /** a moderator hid or showed a post or comment: its author */
  | { kind: 'moderation'; targetType: 'post' | 'comment'; targetId: number; visible: boolean; actorId: number; at: number }
  /** members were added to a chat session */
  | { kind: 'chat_added'; sessionId: number; userIds: number[]; actorId: number; at: number }
  /** a prediction reached a final state: the member who asked */
  | { kind: 'prediction'; aiLogId: number; jobId: string; status: 'succeeded' | 'failed' }
  /** a training reached a final state: the admin who asked */
  | { kind: 'training'; aiId: number; jobId: string; status: 'succeeded' | 'failed'; requestedBy: number | null }
  /** moderators resolved reports: each reporter (the reports resolved together, by id) */
  | { kind: 'report_resolved'; reportIds: number[]; actorId: number }
  /** a member liked a post: its author, in one notification per post until it is read */
  | { kind: 'like'; postId: number; userId: number }
  /** the periodic retention sweep (not an event: the scheduler's job) */
  | { kind: 'retention' };

/** The event's identity: its BullMQ job id and the eventKey of the notifications it makes (no `:`, BullMQ's separator). */
export function eventKey(e: NotificationEvent): string {
  switch (e.kind) {
    case 'comment':
      return `comment-${e.commentId}`;
    case 'post':
      return `post-${e.postId}`;
    case 'chat_message':
      return `chatmsg-${e.messageId}`;
    case 'moderation':
      return `mod-${e.targetType}-${e.targetId}-${e.visible ? 'shown' : 'hidden'}-${e.at}`;
    case 'chat_added':
      return `chatadd-${e.sessionId}-${e.at}-${crypto.createHash('sha256').update(e.userIds.join(',')).digest('hex').slice(0, 16)}`;
    case 'prediction':
      return `ailog-${e.aiLogId}-${e.jobId}-${e.status}`;
    case 'training':
      return `ai-${e.aiId}-${e.jobId}-${e.status}`;
    case 'like':
      return `like-${e.postId}-${e.userId}`;
    case 'report_resolved':
      // a report is resolved once: its id names the event
      return `report-${Math.min(...e.reportIds)}-${e.reportIds.length}`;
    case 'retention':
      return 'retention';
  }
}

export const notificationJobOptions = (jobId: string): JobsOptions => ({
  jobId,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  // kept a while so that the same event emitted again (a retried request) is not queued twice
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
});

/** Adds the events' jobs in one round trip (a job id already queued is left as it is); throws when the queue does not take them. */
export async function queueNotificationEvents(queues: Queues, events: NotificationEvent[]): Promise<void> {
  if (!events.length) return;
  await queues.get(queueNames.notifications).addBulk(events.map((data) => ({ name: data.kind, data, opts: notificationJobOptions(eventKey(data)) })));
}

/** What the services call: emit() returns at once; a queue that does not take the job is logged, never thrown. */
export class NotificationEmitter {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly queues: Queues,
    private readonly logger: Logger,
  ) {}

  emit(...events: NotificationEvent[]): void {
    if (!events.length) return;
    const p = queueNotificationEvents(this.queues, events)
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message, events: events.map(eventKey) }, 'could not queue notification events'))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves once every event emitted so far has been handed to the queue (or dropped): before closing the queues. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
