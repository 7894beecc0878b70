// A notification as its member sees it, decided when it is read: the target is loaded again and the member's
// access to it checked through the same rules as reading it directly (the board policy, the chat session's
// members, a prediction's owner). A notification whose target they can no longer read (board hidden, grant
// revoked, post or comment deleted or hidden, removed from the session) is not shown at all, so its text, made
// here from the target as it is now, never reveals anything. Every lookup is batched: a page costs a few queries.
import { access, type Viewer } from '../access/index.js';
import type { BoardPolicy } from '../boards/policy.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { NotificationType, TargetType } from './schemas.js';

export const notificationSelect = {
  id: true,
  userId: true,
  type: true,
  actorId: true,
  targetType: true,
  targetId: true,
  postId: true,
  sessionId: true,
  data: true,
  createdAt: true,
  readAt: true,
} as const;

export type NotificationRow = Prisma.NotificationGetPayload<{ select: typeof notificationSelect }>;

export interface NotificationView {
  id: number;
  type: NotificationType;
  createdAt: Date;
  readAt: Date | null;
  actor: { id: number; name: string } | null;
  target: { type: TargetType; id: number };
  text: string;
  data: Record<string, unknown>;
}

/** What present() needs to know about a target to link it and name it. */
interface Context {
  postName?: string;
  boardId?: number;
  postId?: number;
  sessionName?: string;
  sessionId?: number;
  aiName?: string;
  aiId?: number;
}

const quoted = (s: string | undefined) => (s === undefined ? '' : ` “${s.length > 60 ? `${s.slice(0, 59)}…` : s}”`);
const ids = (xs: (number | null | undefined)[]) => [...new Set(xs.filter((x): x is number => typeof x === 'number'))];

function textOf(type: NotificationType, targetType: TargetType, actor: string | null, data: Record<string, unknown>, c: Context): string {
  const who = actor ?? 'Someone';
  switch (type) {
    case 'comment':
      return `${who} commented on your post${quoted(c.postName)}`;
    case 'mention':
      if (targetType === 'post') return `${who} mentioned you in the post${quoted(c.postName)}`;
      if (targetType === 'comment') return `${who} mentioned you in a comment on${quoted(c.postName)}`;
      return `${who} mentioned you in the chat${quoted(c.sessionName)}`;
    case 'moderation': {
      const verb = data.action === 'shown' ? 'showed' : 'hid';
      return targetType === 'post' ? `A moderator ${verb} your post${quoted(c.postName)}` : `A moderator ${verb} your comment on${quoted(c.postName)}`;
    }
    case 'chat_added':
      return `${who} added you to the chat${quoted(c.sessionName)}`;
    case 'prediction':
      return `Your prediction with${quoted(c.aiName)} ${data.status === 'succeeded' ? 'is ready' : 'failed'}`;
    case 'training':
      return `The training of${quoted(c.aiName)} ${data.status === 'succeeded' ? 'finished' : 'failed'}`;
    case 'report': {
      const outcome = { hidden: 'the content was hidden', banned: 'the account was banned', dismissed: 'no action was needed' }[data.status as string] ?? 'it was reviewed';
      return `The moderators reviewed your report: ${outcome}`;
    }
    case 'like': {
      const count = typeof data.count === 'number' ? data.count : 1;
      return count > 1 ? `${count} people liked your post${quoted(c.postName)}` : `${who} liked your post${quoted(c.postName)}`;
    }
  }
}

export class NotificationPresenter {
  constructor(
    private readonly prisma: Db,
    private readonly policy: BoardPolicy,
  ) {}

  /** The views of the rows the viewer may still read, in the rows' order; `hidden` lists the ids left out. */
  async present(viewer: Viewer, rows: NotificationRow[]): Promise<{ items: NotificationView[]; hidden: number[] }> {
    const contexts = await this.readable(viewer, rows);
    const actors = new Map((await this.prisma.user.findMany({ where: { id: { in: ids(rows.map((r) => r.actorId)) } }, select: { id: true, name: true } })).map((u) => [u.id, u]));
    const items: NotificationView[] = [];
    const hidden: number[] = [];
    for (const r of rows) {
      const c = contexts.get(r.id);
      if (!c) {
        hidden.push(r.id);
        continue;
      }
      const actor = r.actorId === null ? null : (actors.get(r.actorId) ?? null);
      const data = { ...((r.data ?? {}) as Record<string, unknown>) };
      delete data.likerIds;
      const link = Object.fromEntries(Object.entries({ postId: c.postId, boardId: c.boardId, sessionId: c.sessionId, aiId: c.aiId }).filter(([, v]) => v !== undefined));
      items.push({
        id: r.id,
        type: r.type as NotificationType,
        createdAt: r.createdAt,
        readAt: r.readAt,
        actor,
        target: { type: r.targetType as TargetType, id: r.targetId },
        text: textOf(r.type as NotificationType, r.targetType as TargetType, actor?.name ?? null, data, c),
        data: { ...data, ...link },
      });
    }
    return { items, hidden };
  }

  /** Whether the viewer may read each row's target now, and what names it: row id → context (absent: not readable). */
  async readable(viewer: Viewer, rows: Pick<NotificationRow, 'id' | 'type' | 'targetType' | 'targetId' | 'postId' | 'sessionId'>[]): Promise<Map<number, Context>> {
    const out = new Map<number, Context>();
    if (!rows.length) return out;
    const of = (t: TargetType) => rows.filter((r) => r.targetType === t);
    const commentRows = of('comment');
    const sessionRows = rows.filter((r) => r.targetType === 'chat_message' || r.targetType === 'chat_session');
    const [comments, messages, logs, ais, reports] = await Promise.all([
      this.prisma.comment.findMany({ where: { id: { in: ids(commentRows.map((r) => r.targetId)) } }, select: { id: true, postId: true, isVisible: true } }),
      this.prisma.chatMessage.findMany({ where: { id: { in: ids(of('chat_message').map((r) => r.targetId)) } }, select: { id: true, sessionId: true, isVisible: true } }),
      this.prisma.aiLog.findMany({ where: { id: { in: ids(of('ailog').map((r) => r.targetId)) } }, select: { id: true, userId: true, ai: { select: { id: true, name: true } } } }),
      this.prisma.ai.findMany({ where: { id: { in: ids(of('ai').map((r) => r.targetId)) } }, select: { id: true, name: true } }),
      this.prisma.report.findMany({ where: { id: { in: ids(of('report').map((r) => r.targetId)) } }, select: { id: true, reporterId: true } }),
    ]);
    const commentById = new Map(comments.map((c) => [c.id, c]));
    const messageById = new Map(messages.map((m) => [m.id, m]));
    const postIds = ids([...of('post').map((r) => r.targetId), ...comments.map((c) => c.postId)]);
    const sessionIds = ids([...sessionRows.map((r) => (r.targetType === 'chat_session' ? r.targetId : r.sessionId)), ...messages.map((m) => m.sessionId)]);
    const [posts, sessions, memberships] = await Promise.all([
      this.prisma.post.findMany({ where: { id: { in: postIds } }, select: { id: true, boardId: true, name: true, isVisible: true } }),
      this.prisma.chatSession.findMany({ where: { id: { in: sessionIds } }, select: { id: true, name: true, isVisible: true } }),
      this.prisma.chatSessionMember.findMany({ where: { userId: viewer.id, sessionId: { in: sessionIds } }, select: { sessionId: true } }),
    ]);
    const postById = new Map(posts.map((p) => [p.id, p]));
    const boards = new Map<number, boolean>();
    await Promise.all(ids(posts.map((p) => p.boardId)).map(async (b) => boards.set(b, (await this.policy.access(viewer, b)) !== null)));
    const sessionById = new Map(sessions.map((s) => [s.id, s]));
    const memberOf = new Set(memberships.map((m) => m.sessionId));

    // a moderation notice is about content its author can no longer read (it was hidden): the board rule still applies
    const postContext = (postId: number, moderated: boolean): Context | null => {
      const p = postById.get(postId);
      if (!p || !boards.get(p.boardId)) return null;
      if (!moderated && !access.can(viewer, 'post.read', p)) return null;
      return { postName: p.name, postId: p.id, boardId: p.boardId };
    };
    const sessionContext = (sessionId: number | null | undefined): Context | null => {
      const s = sessionId == null ? undefined : sessionById.get(sessionId);
      if (!s || !access.can(viewer, 'chatSession.read', { isVisible: s.isVisible, isMember: memberOf.has(s.id) })) return null;
      return { sessionName: s.name, sessionId: s.id };
    };

    for (const r of rows) {
      const moderated = r.type === 'moderation';
      let c: Context | null = null;
      switch (r.targetType as TargetType) {
        case 'post':
          c = postContext(r.targetId, moderated);
          break;
        case 'comment': {
          const cm = commentById.get(r.targetId);
          // the post of a moderated comment must still be readable; the comment itself may be the hidden one
          c = cm && (moderated || access.can(viewer, 'comment.read', cm)) ? postContext(cm.postId, false) : null;
          break;
        }
        case 'chat_message': {
          const m = messageById.get(r.targetId);
          c = m && (m.isVisible || access.can(viewer, 'chatSession.moderate')) ? sessionContext(m.sessionId) : null;
          break;
        }
        case 'chat_session':
          c = sessionContext(r.targetId);
          break;
        case 'ailog': {
          const log = logs.find((l) => l.id === r.targetId);
          c = log && access.can(viewer, 'aiLog.read', log) ? { aiName: log.ai.name, aiId: log.ai.id } : null;
          break;
        }
        case 'report': {
          // one's own report only; the text names the outcome, never the reported content
          const report = reports.find((x) => x.id === r.targetId);
          c = report && report.reporterId === viewer.id ? {} : null;
          break;
        }
        case 'ai': {
          const ai = ais.find((a) => a.id === r.targetId);
          c = ai && access.can(viewer, 'ai.manage') ? { aiName: ai.name, aiId: ai.id } : null;
          break;
        }
      }
      if (c) out.set(r.id, c);
    }
    return out;
  }
}
