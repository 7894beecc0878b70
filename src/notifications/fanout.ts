// The worker's side of an event (events.ts): who is told, and writing it. Runs in the worker process, never in the
// request that caused it. For each candidate recipient: they must exist, be open and not banned, must not have
// turned the type off, and must be able to read the target now (the same check as reading the list, present.ts);
// then their notification is written, unique per (recipient, event), so that a job that runs again (a retry, a
// redelivery after a crash) writes nothing twice. What was written is published live (live.ts).
import type { Viewer } from '../access/index.js';
import type { Logger } from '../platform/logger.js';
import { isUniqueViolation } from '../platform/known-errors.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { eventKey, type NotificationEvent } from './events.js';
import { notificationFrame, publishLive } from './live.js';
import { notificationSelect, type NotificationPresenter, type NotificationRow } from './present.js';
import type { NotificationType, TargetType } from './schemas.js';

/** At most this many members are told of one text's mentions. */
export const MAX_MENTIONS = 50;

/** `@name` mentions of a text (names as accounts have them: a letter, then letters, digits or _), each once. */
export function mentionedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<![A-Za-z0-9_@])@([A-Za-z][A-Za-z0-9_]{0,63})/g)) {
    names.add(m[1]);
    if (names.size >= MAX_MENTIONS) break;
  }
  return [...names];
}

interface Candidate {
  userId: number;
  type: NotificationType;
  targetType: TargetType;
  targetId: number;
  postId?: number;
  sessionId?: number;
  data?: Record<string, unknown>;
}

export interface FanoutDeps {
  prisma: Db;
  redis: Redis;
  presenter: NotificationPresenter;
  logger: Logger;
  config: { redisPrefix: string; notifications: { retentionDays: number } };
}

export class NotificationFanout {
  constructor(private readonly deps: FanoutDeps) {}

  /** Handles one event; returns how many notifications it wrote. */
  async handle(event: NotificationEvent): Promise<number> {
    if (event.kind === 'retention') return this.sweep();
    if (event.kind === 'like') return this.like(event.postId, event.userId);
    const { actorId, candidates } = await this.candidates(event);
    return this.write(eventKey(event), actorId, candidates);
  }

  private async candidates(e: Exclude<NotificationEvent, { kind: 'retention' | 'like' }>): Promise<{ actorId: number | null; candidates: Candidate[] }> {
    const { prisma } = this.deps;
    switch (e.kind) {
      case 'comment': {
        const c = await prisma.comment.findUnique({ where: { id: e.commentId }, select: { authorId: true, postId: true, content: true, post: { select: { authorId: true } } } });
        if (!c) return { actorId: null, candidates: [] };
        const base = { targetType: 'comment', targetId: e.commentId, postId: c.postId } as const;
        const mentioned = (await this.usersNamed(mentionedNames(c.content))).filter((id) => id !== c.post.authorId);
        return {
          actorId: c.authorId,
          candidates: [{ ...base, userId: c.post.authorId, type: 'comment' as const }, ...mentioned.map((userId) => ({ ...base, userId, type: 'mention' as const }))].filter(
            (x) => x.userId !== c.authorId,
          ),
        };
      }
      case 'post': {
        const p = await prisma.post.findUnique({ where: { id: e.postId }, select: { authorId: true, name: true, content: true } });
        if (!p) return { actorId: null, candidates: [] };
        const ids = await this.usersNamed(mentionedNames(`${p.name}\n${p.content}`));
        return { actorId: p.authorId, candidates: ids.filter((id) => id !== p.authorId).map((userId) => ({ userId, type: 'mention', targetType: 'post', targetId: e.postId, postId: e.postId })) };
      }
      case 'chat_message': {
        const m = await prisma.chatMessage.findUnique({ where: { id: e.messageId }, select: { authorId: true, sessionId: true, content: true } });
        if (!m) return { actorId: null, candidates: [] };
        const ids = await this.usersNamed(mentionedNames(m.content));
        return {
          actorId: m.authorId,
          candidates: ids.filter((id) => id !== m.authorId).map((userId) => ({ userId, type: 'mention', targetType: 'chat_message', targetId: e.messageId, sessionId: m.sessionId })),
        };
      }
      case 'moderation': {
        const row =
          e.targetType === 'post'
            ? await prisma.post.findUnique({ where: { id: e.targetId }, select: { authorId: true, id: true } }).then((p) => p && { authorId: p.authorId, postId: p.id })
            : await prisma.comment.findUnique({ where: { id: e.targetId }, select: { authorId: true, postId: true } });
        if (!row || row.authorId === e.actorId) return { actorId: null, candidates: [] };
        return {
          actorId: e.actorId,
          candidates: [{ userId: row.authorId, type: 'moderation', targetType: e.targetType, targetId: e.targetId, postId: row.postId, data: { action: e.visible ? 'shown' : 'hidden' } }],
        };
      }
      case 'chat_added':
        return {
          actorId: e.actorId,
          candidates: e.userIds.filter((id) => id !== e.actorId).map((userId) => ({ userId, type: 'chat_added', targetType: 'chat_session', targetId: e.sessionId, sessionId: e.sessionId })),
        };
      case 'prediction': {
        const log = await prisma.aiLog.findUnique({ where: { id: e.aiLogId }, select: { userId: true } });
        return { actorId: null, candidates: log ? [{ userId: log.userId, type: 'prediction', targetType: 'ailog', targetId: e.aiLogId, data: { status: e.status } }] : [] };
      }
      case 'report_resolved': {
        const reports = await prisma.report.findMany({ where: { id: { in: e.reportIds }, status: { not: 'open' } }, select: { id: true, reporterId: true, status: true } });
        return {
          actorId: e.actorId,
          candidates: reports.map((r) => ({ userId: r.reporterId, type: 'report', targetType: 'report', targetId: r.id, data: { status: r.status } })),
        };
      }
      case 'training':
        return {
          actorId: null,
          candidates: e.requestedBy === null ? [] : [{ userId: e.requestedBy, type: 'training', targetType: 'ai', targetId: e.aiId, data: { status: e.status } }],
        };
    }
  }

  private async usersNamed(names: string[]): Promise<number[]> {
    if (!names.length) return [];
    // matched as typed on both providers (MariaDB's collation would also match other cases; SQLite would not)
    const rows = await this.deps.prisma.user.findMany({ where: { name: { in: names } }, select: { id: true, name: true } });
    const typed = new Set(names);
    return rows.filter((r) => typed.has(r.name)).map((r) => r.id);
  }

  /** The candidates who still want and may read it: open, unbanned accounts, type not muted, target readable. */
  private async eligible(candidates: Candidate[]): Promise<(Candidate & { viewer: Viewer })[]> {
    if (!candidates.length) return [];
    const { prisma, presenter } = this.deps;
    const userIds = [...new Set(candidates.map((c) => c.userId))];
    const [users, mutes] = await Promise.all([
      prisma.user.findMany({ where: { id: { in: userIds }, isBanned: false, deletedAt: null }, select: { id: true, role: true } }),
      prisma.notificationMute.findMany({ where: { userId: { in: userIds } }, select: { userId: true, type: true } }),
    ]);
    const muted = new Set(mutes.map((m) => `${m.userId}:${m.type}`));
    const viewers = new Map(users.map((u) => [u.id, { id: u.id, role: u.role }]));
    const out: (Candidate & { viewer: Viewer })[] = [];
    for (const c of candidates) {
      const viewer = viewers.get(c.userId);
      if (!viewer || muted.has(`${c.userId}:${c.type}`)) continue;
      const readable = await presenter.readable(viewer, [{ id: 0, type: c.type, targetType: c.targetType, targetId: c.targetId, postId: c.postId ?? null, sessionId: c.sessionId ?? null }]);
      if (readable.has(0)) out.push({ ...c, viewer });
    }
    return out;
  }

  private async write(key: string, actorId: number | null, candidates: Candidate[]): Promise<number> {
    const { prisma } = this.deps;
    const recipients = await this.eligible(candidates);
    const written: { viewer: Viewer; row: NotificationRow }[] = [];
    for (const c of recipients) {
      const data = {
        userId: c.userId,
        type: c.type,
        actorId,
        targetType: c.targetType,
        targetId: c.targetId,
        postId: c.postId ?? null,
        sessionId: c.sessionId ?? null,
        eventKey: key,
        ...(c.data ? { data: c.data as Prisma.InputJsonValue } : {}),
      };
      const row = await prisma.notification.create({ data, select: notificationSelect }).catch((e: unknown) => {
        if (isUniqueViolation(e)) return null; // written by an earlier run of this job
        throw e;
      });
      if (row) written.push({ viewer: c.viewer, row });
    }
    await this.publish(written);
    return written.length;
  }

  /**
   * Likes of one post add up in one notification of its author until they read it: the newest like replaces the
   * unread one (so it moves to the top) with the likers so far. A member whose like is already counted (in the
   * newest like notification of the post, read or not) adds nothing, so a like, unlike and like again is told once.
   */
  private async like(postId: number, likerId: number): Promise<number> {
    const { prisma } = this.deps;
    const post = await prisma.post.findUnique({ where: { id: postId }, select: { authorId: true } });
    if (!post || post.authorId === likerId) return 0;
    const liked = await prisma.postLike.findUnique({ where: { postId_userId: { postId, userId: likerId } }, select: { id: true } });
    if (!liked) return 0;
    const [recipient] = await this.eligible([{ userId: post.authorId, type: 'like', targetType: 'post', targetId: postId, postId }]);
    if (!recipient) return 0;
    const row = await prisma.$transaction(async (tx) => {
      const last = await tx.notification.findFirst({
        where: { userId: post.authorId, type: 'like', targetType: 'post', targetId: postId },
        orderBy: { id: 'desc' },
        select: { id: true, readAt: true, data: true },
      });
      const likers = ((last?.data as { likerIds?: number[] } | null)?.likerIds ?? []).filter((id) => typeof id === 'number');
      if (likers.includes(likerId)) return null;
      const merged = last && last.readAt === null ? [...likers, likerId] : [likerId];
      if (last && last.readAt === null) await tx.notification.delete({ where: { id: last.id } });
      return tx.notification.create({
        data: {
          userId: post.authorId,
          type: 'like',
          actorId: likerId,
          targetType: 'post',
          targetId: postId,
          postId,
          eventKey: `like-${postId}-${likerId}-${Date.now()}`,
          data: { count: merged.length, likerIds: merged },
        },
        select: notificationSelect,
      });
    });
    if (!row) return 0;
    await this.publish([{ viewer: recipient.viewer, row }]);
    return 1;
  }

  private async publish(written: { viewer: Viewer; row: NotificationRow }[]): Promise<void> {
    const { prisma, presenter, redis, config, logger } = this.deps;
    const frames: { userId: number; frame: string }[] = [];
    for (const { viewer, row } of written) {
      const [{ items }, unread] = await Promise.all([presenter.present(viewer, [row]), prisma.notification.count({ where: { userId: viewer.id, readAt: null } })]);
      if (items[0]) frames.push({ userId: viewer.id, frame: notificationFrame(items[0], unread) });
    }
    await publishLive(redis, config.redisPrefix, frames, logger);
  }

  /** Deletes notifications older than the retention, a thousand at a time; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    const { prisma, config } = this.deps;
    const cutoff = new Date(now - config.notifications.retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const old = await prisma.notification.findMany({ where: { createdAt: { lt: cutoff } }, select: { id: true }, take: 1000 });
      if (!old.length) return total;
      total += (await prisma.notification.deleteMany({ where: { id: { in: old.map((o) => o.id) } } })).count;
    }
  }
}
