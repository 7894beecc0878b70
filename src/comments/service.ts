// Comments. numberOfComment counts a post's visible comments: every create, delete, hide and show moves it
// in the same transaction as the row, so it stays exact under concurrent requests.
import type { AuditLog } from '../audit/service.js';
import type { Principal } from '../auth/sessions.js';
import { isStaff, type BoardPolicy } from '../boards/policy.js';
import { ForbiddenError, NotFoundError } from '../http/errors.js';
import { decodeKey, encodeKey, type Page } from '../http/pagination.js';
import type { Db } from '../platform/prisma.js';
import { counterTransaction, moveCounter } from '../posts/counters.js';
import type { PostsService } from '../posts/service.js';

const commentSelect = {
  id: true,
  postId: true,
  content: true,
  createDate: true,
  updateDate: true,
  isFileAttached: true,
  isVisible: true,
  author: { select: { id: true, name: true } },
} as const;

export class CommentsService {
  constructor(
    private readonly prisma: Db,
    private readonly policy: BoardPolicy,
    private readonly posts: PostsService,
    private readonly audit: AuditLog,
  ) {}

  private async requireComment(viewer: Principal | null, commentId: number) {
    const comment = await this.prisma.comment.findUnique({ where: { id: commentId }, select: { id: true, postId: true, authorId: true, isVisible: true } });
    if (!comment) throw new NotFoundError('No such comment.', 'comment_not_found');
    await this.posts.requirePost(viewer, comment.postId);
    if (!comment.isVisible && !isStaff(viewer)) throw new NotFoundError('No such comment.', 'comment_not_found');
    return comment;
  }

  /** Oldest first, keyset by id. */
  async list(viewer: Principal | null, postId: number, q: { limit: number; cursor?: string; page?: number }): Promise<Page<unknown>> {
    await this.posts.requirePost(viewer, postId);
    const after = q.cursor ? (decodeKey(q.cursor, ['number'])[0] as number) : undefined;
    const rows = await this.prisma.comment.findMany({
      where: { postId, ...(isStaff(viewer) ? {} : { isVisible: true }), ...(after !== undefined ? { id: { gt: after } } : {}) },
      select: commentSelect,
      orderBy: { id: 'asc' },
      take: q.limit + 1,
      ...(after === undefined && q.page ? { skip: (q.page - 1) * q.limit } : {}),
    });
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeKey([last.id]) : null };
  }

  async get(viewer: Principal | null, commentId: number) {
    await this.requireComment(viewer, commentId);
    return this.prisma.comment.findUniqueOrThrow({ where: { id: commentId }, select: commentSelect });
  }

  async create(viewer: Principal, postId: number, content: string) {
    const post = await this.posts.requirePost(viewer, postId);
    await this.policy.requireWrite(viewer, post.boardId);
    return counterTransaction(this.prisma, postId, async (tx) => {
      const comment = await tx.comment.create({ data: { postId, authorId: viewer.id, content }, select: commentSelect });
      await moveCounter(tx, postId, 'numberOfComment', 1);
      return comment;
    });
  }

  private requireAuthorOrStaff(viewer: Principal, comment: { authorId: number }) {
    if (comment.authorId !== viewer.id && !isStaff(viewer)) throw new ForbiddenError('not_author', 'Only the author or a moderator may change this.');
  }

  async update(viewer: Principal, commentId: number, patch: { content?: string; isVisible?: boolean }) {
    const comment = await this.requireComment(viewer, commentId);
    this.requireAuthorOrStaff(viewer, comment);
    if (patch.isVisible !== undefined && !isStaff(viewer)) throw new ForbiddenError('forbidden', 'Only moderators hide or show comments.');
    const updated = await counterTransaction(this.prisma, comment.postId, async (tx) => {
      if (patch.isVisible !== undefined && patch.isVisible !== comment.isVisible) {
        // only the request that really flips the flag moves the counter
        const flipped = await tx.comment.updateMany({ where: { id: commentId, isVisible: !patch.isVisible }, data: { isVisible: patch.isVisible } });
        await moveCounter(tx, comment.postId, 'numberOfComment', flipped.count * (patch.isVisible ? 1 : -1));
      }
      return tx.comment.update({ where: { id: commentId }, data: { ...(patch.content !== undefined ? { content: patch.content } : {}) }, select: commentSelect });
    });
    if (patch.isVisible !== undefined && patch.isVisible !== comment.isVisible) {
      await this.audit.record({ actor: { id: viewer.id }, action: patch.isVisible ? 'comment.shown' : 'comment.hidden', target: { type: 'comment', id: commentId } });
    }
    return updated;
  }

  async remove(viewer: Principal, commentId: number) {
    const comment = await this.requireComment(viewer, commentId);
    this.requireAuthorOrStaff(viewer, comment);
    await counterTransaction(this.prisma, comment.postId, async (tx) => {
      // decided by the row as it is now, not as it was read: a concurrent hide or delete counts once
      const visible = await tx.comment.deleteMany({ where: { id: commentId, isVisible: true } });
      if (visible.count) await moveCounter(tx, comment.postId, 'numberOfComment', -1);
      else await tx.comment.deleteMany({ where: { id: commentId } });
    });
    if (comment.authorId !== viewer.id) await this.audit.record({ actor: { id: viewer.id }, action: 'comment.deleted_by_moderator', target: { type: 'comment', id: commentId } });
  }
}
