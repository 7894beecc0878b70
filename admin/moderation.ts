// The moderation queue page: open reports grouped by their target, newest first, with the reported content
// inline (a post's title and the start of its text, a comment, a chat message, an account), the reporters and
// their reasons. Resolving goes through ReportsService.resolve (its rules, its audit record): one action for
// every open report of the target — dismiss, hide the content, or ban its author (reason required).
//   GET  /admin/api/pages/moderation               the queue
//   GET  /admin/api/pages/moderation?summary=true  the number of open reports (the menu's badge)
//   POST /admin/api/pages/moderation {reportId, action, reason?}  resolve, then the queue again
import { access } from '../src/access/index.js';
import type { Context } from '../src/context.js';
import { AppError } from '../src/errors.js';
import { type ReportAction, type ReportTargetType } from '../src/reports/schemas.js';
import { viewerOfAdmin } from './services.js';

/** Reports read at most per queue (newest first); the page says when there are more. */
const MAX_REPORTS = 500;
const EXCERPT = 280;

interface OpenReport {
  id: number;
  targetType: ReportTargetType;
  targetId: number;
  targetUserId: number;
  reason: string;
  note: string | null;
  createDate: Date;
  reporter: { id: number; name: string } | null;
}

export interface QueueContent {
  /** What the operator reads: a post's title, a chat's name; null for comments. */
  title: string | null;
  text: string;
  isVisible: boolean;
  /** The content's page in the panel. */
  href: string;
  /** Where it sits: the post of a comment, the board of a post, the chat of a message. */
  context: string | null;
}

export interface QueueGroup {
  key: string;
  targetType: ReportTargetType;
  targetId: number;
  /** Null when the content is gone (deleted by its author since). */
  content: QueueContent | null;
  author: { id: number; name: string; role: string; isBanned: boolean; href: string } | null;
  reports: { id: number; reason: string; note: string | null; createDate: string; reporter: { id: number; name: string } | null }[];
}

export interface Queue {
  groups: QueueGroup[];
  open: number;
  /** More open reports than the queue reads at once. */
  truncated: boolean;
}

const excerpt = (s: string) => (s.length > EXCERPT ? `${s.slice(0, EXCERPT - 1)}…` : s);
const show = (resource: string, id: number) => `/admin/resources/${resource}/records/${id}/show`;

export class ModerationQueue {
  constructor(private readonly ctx: Context) {}

  async openCount(admin: unknown): Promise<number> {
    access.require(viewerOfAdmin(admin), 'report.manage');
    return this.ctx.prisma.report.count({ where: { status: 'open' } });
  }

  async queue(admin: unknown): Promise<Queue> {
    const viewer = viewerOfAdmin(admin);
    const reports: OpenReport[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.ctx.services.reports.list(viewer, { status: 'open', limit: 100, cursor });
      reports.push(...(page.items as OpenReport[]));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && reports.length < MAX_REPORTS);

    // newest first: a group sits where its newest report does
    const groups = new Map<string, OpenReport[]>();
    for (const r of reports) {
      const key = `${r.targetType}:${r.targetId}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const contents = await this.contents(reports);
    const authors = await this.authors(reports.map((r) => r.targetUserId));
    return {
      open: await this.ctx.prisma.report.count({ where: { status: 'open' } }),
      truncated: Boolean(cursor),
      groups: [...groups].map(([key, rs]) => ({
        key,
        targetType: rs[0].targetType,
        targetId: rs[0].targetId,
        content: contents.get(key) ?? null,
        author: authors.get(rs[0].targetUserId) ?? null,
        reports: rs.map((r) => ({ id: r.id, reason: r.reason, note: r.note, createDate: new Date(r.createDate).toISOString(), reporter: r.reporter })),
      })),
    };
  }

  /** Resolves every open report of the report's target through ReportsService. */
  async resolve(admin: unknown, body: Record<string, unknown>): Promise<string> {
    // the service validates the action (dismiss, hide, ban) and requires a reason to ban
    const action = (typeof body.action === 'string' ? body.action : '') as ReportAction;
    const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim() : undefined;
    const resolved = await this.ctx.services.reports.resolve(viewerOfAdmin(admin), Number(body.reportId), {
      action,
      ...(reason ? { reason } : {}),
    });
    return { dismissed: 'Reports dismissed.', hidden: 'The content is hidden; its reports are resolved.', banned: 'The author is banned; the reports are resolved.' }[resolved.status] ?? 'Resolved.';
  }

  private async contents(reports: OpenReport[]): Promise<Map<string, QueueContent>> {
    const { prisma } = this.ctx;
    const ids = (type: ReportTargetType) => [...new Set(reports.filter((r) => r.targetType === type).map((r) => r.targetId))];
    const out = new Map<string, QueueContent>();
    const [posts, comments, messages, users] = await Promise.all([
      prisma.post.findMany({ where: { id: { in: ids('post') } }, select: { id: true, name: true, content: true, isVisible: true, board: { select: { name: true } } } }),
      prisma.comment.findMany({ where: { id: { in: ids('comment') } }, select: { id: true, content: true, isVisible: true, post: { select: { name: true } } } }),
      prisma.chatMessage.findMany({ where: { id: { in: ids('chat_message') } }, select: { id: true, content: true, isVisible: true, sessionId: true, session: { select: { name: true } } } }),
      prisma.user.findMany({ where: { id: { in: ids('user') } }, select: { id: true, name: true, email: true, role: true, isBanned: true, deletedAt: true } }),
    ]);
    for (const p of posts) out.set(`post:${p.id}`, { title: p.name, text: excerpt(p.content), isVisible: p.isVisible, href: show('Post', p.id), context: `Board: ${p.board.name}` });
    for (const c of comments) out.set(`comment:${c.id}`, { title: null, text: excerpt(c.content), isVisible: c.isVisible, href: show('Comment', c.id), context: `On the post: ${c.post.name}` });
    for (const m of messages) {
      out.set(`chat_message:${m.id}`, { title: null, text: excerpt(m.content), isVisible: m.isVisible, href: show('ChatSession', m.sessionId), context: `In the chat: ${m.session.name}` });
    }
    for (const u of users) {
      const state = u.deletedAt ? 'closed' : u.isBanned ? 'banned' : u.role;
      out.set(`user:${u.id}`, { title: u.name, text: `${u.email} · ${state}`, isVisible: !u.deletedAt, href: show('User', u.id), context: null });
    }
    return out;
  }

  private async authors(ids: number[]) {
    const rows = await this.ctx.prisma.user.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, name: true, role: true, isBanned: true } });
    return new Map(rows.map((u) => [u.id, { ...u, href: show('User', u.id) }]));
  }
}

/** The page's handler: the queue, its count, or a resolution (a service's refusal comes back as `error`). */
export function moderationPage(ctx: Context) {
  const queue = new ModerationQueue(ctx);
  return async (request: { method?: string; payload?: Record<string, unknown>; query?: Record<string, unknown> }, _response: unknown, context: { currentAdmin?: unknown }) => {
    const admin = context.currentAdmin;
    if (request.method === 'post') {
      try {
        const notice = await queue.resolve(admin, request.payload ?? {});
        return { notice, ...(await queue.queue(admin)) };
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        return { error: { code: e.code, message: e.message, fields: (e.errors ?? []).map((f) => ({ field: f.field, code: f.code, message: f.message })) }, ...(await queue.queue(admin)) };
      }
    }
    if (request.query?.summary === 'true') return { open: await queue.openCount(admin) };
    return queue.queue(admin);
  };
}
