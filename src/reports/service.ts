// Member reports and the moderation queue. A member reports what they can read (a post, a comment, a chat
// message) or an account; one open report per reporter and target (the unique key with `openKey`). An operator
// resolves all open reports of a target at once: dismiss, hide the content, or ban its author — through the
// services that own those rules (posts, comments, chat, users), so the same checks and audit records apply as
// anywhere else. The reporter sees the outcome in their own list.
import { access, type Viewer } from '../access/index.js';
import type { AuditLog } from '../audit/service.js';
import type { ChatService } from '../chat/service.js';
import type { CommentsService } from '../comments/service.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { decodeIdKey, keysetPage, type Page } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import { isUniqueViolation } from '../platform/known-errors.js';
import type { Db } from '../platform/prisma.js';
import type { PostsService } from '../posts/service.js';
import type { UsersService } from '../users/service.js';
import type { NotificationEmitter } from '../notifications/index.js';
import { reportBody, resolveBody, type ReportAction, type ReportStatus, type ReportTargetType } from './schemas.js';

const validateReport = compile(reportBody, false);
const validateResolve = compile(resolveBody, false);

export interface ReportInput {
  targetType: ReportTargetType;
  targetId: number;
  reason: string;
  note?: string;
}

export interface ResolveInput {
  action: ReportAction;
  reason?: string;
}

export interface ReportListQuery {
  status?: ReportStatus;
  targetType?: ReportTargetType;
  limit: number;
  cursor?: string;
}

const outcome: Record<ReportAction, Exclude<ReportStatus, 'open'>> = { dismiss: 'dismissed', hide: 'hidden', ban: 'banned' };

/** What the reporter sees of their report: never who resolved it. */
const mineSelect = { id: true, targetType: true, targetId: true, reason: true, note: true, status: true, createDate: true, resolvedAt: true } as const;
/** What moderators see. */
const staffSelect = {
  ...mineSelect,
  targetUserId: true,
  resolution: true,
  reporter: { select: { id: true, name: true } },
  resolvedBy: { select: { id: true, name: true } },
} as const;

export interface ReportsDeps {
  prisma: Db;
  audit: AuditLog;
  posts: PostsService;
  comments: CommentsService;
  chat: ChatService;
  users: UsersService;
  notifier: NotificationEmitter;
}

export class ReportsService {
  constructor(private readonly deps: ReportsDeps) {}

  /** Files a report of something the member can read; 409 `report_exists` while their earlier one is open. */
  async create(viewer: Viewer, input: ReportInput) {
    access.require(viewer, 'report.create');
    if (!validateReport(input)) throw ValidationError.of(fieldErrors(validateReport.errors, 'body'));
    const targetUserId = await this.authorOf(viewer, input.targetType, input.targetId);
    if (targetUserId === viewer.id) {
      throw ValidationError.of([{ field: 'targetId', in: 'body', code: 'own_content', message: 'You cannot report yourself or what you wrote.' }]);
    }
    try {
      return await this.deps.prisma.report.create({
        data: { reporterId: viewer.id, targetType: input.targetType, targetId: input.targetId, targetUserId, reason: input.reason, note: input.note ?? null },
        select: mineSelect,
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError('report_exists', 'You already reported this, and your report is still open.');
      throw e;
    }
  }

  /** The member's own reports, newest first, with their outcome. */
  async mine(viewer: Viewer, q: { limit: number; cursor?: string }): Promise<Page<unknown>> {
    access.require(viewer, 'report.create');
    const rows = await this.deps.prisma.report.findMany({
      where: { reporterId: viewer.id, ...(q.cursor ? { id: { lt: decodeIdKey(q.cursor) } } : {}) },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
      select: mineSelect,
    });
    return keysetPage(rows, q.limit, (last) => [last.id]);
  }

  /** Every report (moderators), newest first, by status and target type. */
  async list(viewer: Viewer, q: ReportListQuery): Promise<Page<unknown>> {
    access.require(viewer, 'report.manage');
    const rows = await this.deps.prisma.report.findMany({
      where: { status: q.status, targetType: q.targetType, ...(q.cursor ? { id: { lt: decodeIdKey(q.cursor) } } : {}) },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
      select: staffSelect,
    });
    return keysetPage(rows, q.limit, (last) => [last.id]);
  }

  /** The reports one member filed and those against them or what they wrote, newest first (moderators). */
  async about(viewer: Viewer, userId: number, limit: number) {
    access.require(viewer, 'report.manage');
    const [filed, against] = await Promise.all([
      this.deps.prisma.report.findMany({ where: { reporterId: userId }, orderBy: { id: 'desc' }, take: limit, select: staffSelect }),
      this.deps.prisma.report.findMany({ where: { targetUserId: userId }, orderBy: { id: 'desc' }, take: limit, select: staffSelect }),
    ]);
    return { filed, against };
  }

  /**
   * Resolves every open report of the report's target with one action, through the service that owns it:
   * `hide` hides the post or comment (or deletes the chat message, which hides it), `ban` bans the author
   * (a reason is required). Audited as `report.resolved`.
   */
  async resolve(viewer: Viewer, reportId: number, input: ResolveInput) {
    access.require(viewer, 'report.manage');
    if (!validateResolve(input)) throw ValidationError.of(fieldErrors(validateResolve.errors, 'body'));
    if (input.action === 'ban' && !input.reason) throw ValidationError.of([{ field: 'reason', in: 'body', code: 'required', message: 'A reason is required to ban.' }]);
    const { prisma } = this.deps;
    const report = await prisma.report.findUnique({ where: { id: reportId }, select: { targetType: true, targetId: true, targetUserId: true, status: true } });
    if (!report) throw new NotFoundError('report_not_found', 'No such report.');
    if (report.status !== 'open') throw new ConflictError('report_resolved', 'This report is already resolved.');
    const targetType = report.targetType as ReportTargetType;
    if (input.action === 'hide') await this.hide(viewer, targetType, report.targetId);
    if (input.action === 'ban') await this.deps.users.setBanned(viewer, report.targetUserId, true, input.reason);
    // the action first: if it fails (a refused ban), the reports stay open; if this step is lost, resolving again repeats an idempotent action
    const open = await prisma.report.findMany({ where: { targetType, targetId: report.targetId, openKey: 1 }, select: { id: true } });
    const { count } = await prisma.report.updateMany({
      where: { id: { in: open.map((r) => r.id) }, openKey: 1 },
      data: { status: outcome[input.action], openKey: null, resolvedById: viewer.id, resolvedAt: new Date(), resolution: input.reason ?? null },
    });
    // every reporter learns the outcome (the worker writes it; a report resolved by another moderator meanwhile is skipped there)
    if (open.length) this.deps.notifier.emit({ kind: 'report_resolved', reportIds: open.map((r) => r.id), actorId: viewer.id });
    await this.deps.audit.record({
      actor: { id: viewer.id },
      action: 'report.resolved',
      target: { type: targetType, id: report.targetId },
      details: { action: input.action, reports: count, ...(input.reason ? { reason: input.reason } : {}) },
    });
    return prisma.report.findUniqueOrThrow({ where: { id: reportId }, select: staffSelect });
  }

  /** The author of a target the viewer can read (the account itself for a user); 404 like a missing row otherwise. */
  private async authorOf(viewer: Viewer, type: ReportTargetType, id: number): Promise<number> {
    const { prisma, posts, comments, chat } = this.deps;
    switch (type) {
      case 'post':
        return (await posts.requirePost(viewer, id)).authorId;
      case 'comment':
        return (await comments.requireComment(viewer, id)).authorId;
      case 'chat_message': {
        const absent = () => new NotFoundError('chat_message_not_found', 'No such chat message.');
        const message = await prisma.chatMessage.findUnique({ where: { id }, select: { sessionId: true, authorId: true } });
        if (!message) throw absent();
        // the session rule and the message's visibility, as for reading it
        await chat.messages.getMessage(viewer, message.sessionId, id).catch((e: unknown) => {
          throw e instanceof NotFoundError ? absent() : e;
        });
        return message.authorId;
      }
      case 'user': {
        const user = await prisma.user.findUnique({ where: { id }, select: { id: true, deletedAt: true } });
        if (!user || user.deletedAt) throw new NotFoundError('user_not_found', 'No such user.');
        return user.id;
      }
    }
  }

  /** Hides reported content; content already gone (deleted by its author meanwhile) counts as hidden. */
  private async hide(viewer: Viewer, type: ReportTargetType, id: number): Promise<void> {
    const { prisma, posts, comments, chat } = this.deps;
    const gone = (e: unknown) => {
      if (!(e instanceof NotFoundError)) throw e;
    };
    switch (type) {
      case 'post': {
        const post = await prisma.post.findUnique({ where: { id }, select: { boardId: true } });
        if (post) await posts.update(viewer, post.boardId, id, { isVisible: false }).catch(gone);
        return;
      }
      case 'comment':
        await comments.update(viewer, id, { isVisible: false }).catch(gone);
        return;
      case 'chat_message': {
        const message = await prisma.chatMessage.findUnique({ where: { id }, select: { sessionId: true } });
        if (message) await chat.messages.deleteMessage(viewer, message.sessionId, id).catch(gone);
        return;
      }
      case 'user':
        throw ValidationError.of([{ field: 'action', in: 'body', code: 'not_hideable', message: 'An account cannot be hidden: dismiss the report or ban the account.' }]);
    }
  }
}
