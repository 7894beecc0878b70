// What the panel shows of one member on their page, gathered through the services (each applies the access
// rules the operator is subject to): the boards they may read and why, their grants, bans with reason and
// who banned them (from the audit log), their latest posts, comments, chat sessions and AI logs, the reports
// they filed and those against them, and their audit trail. Each item carries the panel link of its page.
import type { Viewer } from '../src/access/index.js';
import { readAuditLog, type AuditEvent } from '../src/audit/service.js';
import type { Context } from '../src/context.js';
import { encodeKey } from '../src/http/pagination.js';

/** How many of each kind of item the page lists (newest first); the lists behind the links have the rest. */
export const MEMBER_PAGE_ITEMS = 10;

const ROOT = '/admin/resources';
const show = (resource: string, id: number | string) => `${ROOT}/${resource}/records/${encodeURIComponent(String(id))}/show`;
/** The panel resource of each target type (audit events, reports) that has a page. */
const PAGES: Record<string, string> = { user: 'User', board: 'Board', post: 'Post', comment: 'Comment', ai: 'Ai', ailog: 'AiLog', chatSession: 'ChatSession' };
const targetHref = (type: string | null, id: string | number | null) => (type && PAGES[type] && id !== null && /^\d+$/.test(String(id)) ? show(PAGES[type], id) : null);
/** A list the page links to, filtered by this member (AdminJS's list filters in the query string). */
const listHref = (resource: string, filters: Record<string, string | number>) =>
  `${ROOT}/${resource}?${Object.entries(filters)
    .map(([k, v]) => `filters.${k}=${encodeURIComponent(String(v))}`)
    .join('&')}`;

const auditLine = (e: AuditEvent) => ({
  id: e.id,
  at: e.at.toISOString(),
  action: e.action,
  actorId: e.actorId,
  actorName: e.actorName,
  actorHref: e.actorId ? show('User', e.actorId) : null,
  targetType: e.targetType,
  targetId: e.targetId,
  targetHref: targetHref(e.targetType, e.targetId),
  ip: e.ip,
  details: e.details,
  href: show('AuditLog', encodeKey([e.at.toISOString(), e.id])),
});

export async function memberPage(ctx: Context, viewer: Viewer, userId: number) {
  const { boards, posts, comments, chat, ais, reports } = ctx.services;
  const limit = MEMBER_PAGE_ITEMS;
  const target = { targetType: 'user', targetId: String(userId) };
  const [readable, everyBoard, grants, postRows, commentRows, sessions, logs, reported, actions, done, bans, unbans] = await Promise.all([
    boards.readableBy(viewer, userId),
    boards.list(viewer),
    boards.userGrants(viewer, userId),
    posts.byAuthor(viewer, userId, limit),
    comments.byAuthor(viewer, userId, limit),
    chat.sessionsOf(viewer, userId, limit),
    ais.logsOf(viewer, userId, limit),
    reports.about(viewer, userId, limit),
    readAuditLog(ctx.audit, viewer, { actorId: userId, limit }),
    readAuditLog(ctx.audit, viewer, { ...target, limit }),
    readAuditLog(ctx.audit, viewer, { ...target, action: 'user.banned', limit }),
    readAuditLog(ctx.audit, viewer, { ...target, action: 'user.unbanned', limit }),
  ]);
  const boardNames = new Map(everyBoard.map((b) => [b.id, b.name]));
  const report = (r: (typeof reported.filed)[number]) => ({
    id: r.id,
    targetType: r.targetType,
    targetId: r.targetId,
    targetHref: targetHref(r.targetType, r.targetId),
    reason: r.reason,
    note: r.note,
    status: r.status,
    resolution: r.resolution,
    createDate: r.createDate,
    resolvedAt: r.resolvedAt,
    reporter: { ...r.reporter, href: show('User', r.reporter.id) },
    targetUserId: r.targetUserId,
    targetUserHref: show('User', r.targetUserId),
    resolvedBy: r.resolvedBy ? { ...r.resolvedBy, href: show('User', r.resolvedBy.id) } : null,
  });
  return {
    readableBoards: readable.map((b) => ({ ...b, href: show('Board', b.id) })),
    grants: grants.boardIds.map((id) => ({ id, name: boardNames.get(id) ?? `#${id}`, href: show('Board', id) })),
    // every ban and lift, newest first: when, by whom, why
    bans: [...bans.items, ...unbans.items]
      .sort((a, b) => b.at.getTime() - a.at.getTime() || Number(b.id) - Number(a.id))
      .map((e) => ({ ...auditLine(e), banned: e.action === 'user.banned', reason: typeof e.details?.reason === 'string' ? e.details.reason : null })),
    posts: postRows.map((p) => ({
      id: p.id,
      name: p.name,
      boardId: p.boardId,
      boardName: p.board.name,
      isVisible: p.isVisible,
      createDate: p.createDate,
      comments: p.numberOfComment,
      href: show('Post', p.id),
    })),
    comments: commentRows.map((c) => ({
      id: c.id,
      excerpt: c.content.length > 140 ? `${c.content.slice(0, 140)}…` : c.content,
      postId: c.postId,
      postName: c.post.name,
      postHref: show('Post', c.postId),
      isVisible: c.isVisible,
      createDate: c.createDate,
      href: show('Comment', c.id),
    })),
    chatSessions: sessions.map((s) => ({ id: s.id, name: s.name, isVisible: s.isVisible, isClosed: s.isClosed, creatorId: s.creatorId, createDate: s.createDate, href: show('ChatSession', s.id) })),
    aiLogs: logs.map((l) => ({ id: l.id, aiId: l.aiId, aiName: l.ai.name, aiHref: show('Ai', l.aiId), status: l.status, createDate: l.createDate, href: show('AiLog', l.id) })),
    reports: { filed: reported.filed.map(report), against: reported.against.map(report) },
    audit: { by: actions.items.map(auditLine), on: done.items.map(auditLine) },
    links: {
      posts: listHref('Post', { author: userId }),
      comments: listHref('Comment', { author: userId }),
      aiLogs: listHref('AiLog', { user: userId }),
      auditBy: listHref('AuditLog', { actorId: userId }),
      auditOn: listHref('AuditLog', { targetType: 'user', targetId: userId }),
    },
  };
}

export type MemberPage = Awaited<ReturnType<typeof memberPage>>;
