// Comments. numberOfComment counts a post's visible comments: every create, delete, hide and show moves it
// in the same transaction as the row, so it stays exact under concurrent requests.
import type { AuditLog } from '../audit/service.js';
import { access, type Viewer } from '../access/index.js';
import type { BoardPolicy } from '../boards/policy.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { compile, fieldErrors } from '../http/schema.js';
import { decodeIdKey, keysetPage, type Page } from '../http/pagination.js';
import { fileRows, fileSelect, publicFiles, storedKeys } from '../files/service.js';
import { deleteFiles, type ReceivedFile } from '../files/upload.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import type { Storage } from '../platform/storage.js';
import type { FileUrls, Thumbnails } from '../files/service.js';
import { counterTransaction, moveCounter } from '../posts/counters.js';
import type { PostsService } from '../posts/service.js';
import type { SearchIndexer } from '../search/index.js';
import type { NotificationEmitter } from '../notifications/index.js';
import { commentBody, commentPatchBody } from './schemas.js';

const validateComment = compile(commentBody, false);
const validatePatch = compile(commentPatchBody, false);

const commentSelect = {
  id: true,
  postId: true,
  content: true,
  createDate: true,
  updateDate: true,
  isFileAttached: true,
  isVisible: true,
  author: { select: { id: true, name: true } },
  files: { select: fileSelect, orderBy: { id: 'asc' } },
} as const;

export class CommentsService {
  constructor(
    private readonly prisma: Db,
    private readonly policy: BoardPolicy,
    private readonly posts: PostsService,
    private readonly audit: AuditLog,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly searchIndex: SearchIndexer,
    private readonly fileUrls: FileUrls,
    private readonly thumbnails: Thumbnails,
    private readonly notifier: NotificationEmitter,
  ) {}

  /** A comment as `viewer` is shown it: files with their public ids and URLs signed for that viewer. */
  private out<C extends { files: { id: number; originalName: string; size: number; mimeType: string; thumbnailKey: string | null }[] }>(comment: C, viewer: Viewer | null) {
    return { ...comment, files: publicFiles('c', comment.files, this.fileUrls, viewer) };
  }

  /** The comment, after the read rule of its post, board and its own visibility (404 like a missing one). */
  async requireComment(viewer: Viewer | null, commentId: number) {
    const absent = () => new NotFoundError('comment_not_found', 'No such comment.');
    const comment = await this.prisma.comment.findUnique({ where: { id: commentId }, select: { id: true, postId: true, authorId: true, isVisible: true } });
    if (!comment) throw absent();
    // a comment under a post (or board) the viewer may not read is as absent as a missing one
    await this.posts.requirePost(viewer, comment.postId).catch((e: unknown) => {
      throw e instanceof NotFoundError ? absent() : e;
    });
    access.require(viewer, 'comment.read', comment);
    return comment;
  }

  /** Oldest first, keyset by id. */
  async list(viewer: Viewer | null, postId: number, q: { limit: number; cursor?: string; page?: number }): Promise<Page<unknown>> {
    await this.posts.requirePost(viewer, postId);
    const after = q.cursor ? decodeIdKey(q.cursor) : undefined;
    const rows = await this.prisma.comment.findMany({
      where: { postId, ...(access.can(viewer, 'comment.moderate') ? {} : { isVisible: true }), ...(after !== undefined ? { id: { gt: after } } : {}) },
      select: commentSelect,
      orderBy: { id: 'asc' },
      take: q.limit + 1,
      ...(after === undefined && q.page ? { skip: (q.page - 1) * q.limit } : {}),
    });
    const { items, nextCursor } = keysetPage(rows, q.limit, (last) => [last.id]);
    return { items: items.map((c) => this.out(c, viewer)), nextCursor };
  }

  /**
   * One member's latest comments, newest first, as the viewer may read them (the rules of the board, the post
   * and the comment; staff see hidden ones too). For the admin member page.
   */
  async byAuthor(viewer: Viewer, authorId: number, limit: number) {
    const moderator = access.can(viewer, 'comment.moderate');
    const rows = await this.prisma.comment.findMany({
      where: { authorId, ...(moderator ? {} : { isVisible: true, post: { isVisible: true } }) },
      orderBy: { id: 'desc' },
      take: limit,
      select: { id: true, postId: true, content: true, createDate: true, isVisible: true, post: { select: { name: true, boardId: true, isVisible: true } } },
    });
    const boards = new Map<number, boolean>();
    const out: typeof rows = [];
    for (const row of rows) {
      const boardId = row.post.boardId;
      if (!boards.has(boardId)) boards.set(boardId, (await this.policy.access(viewer, boardId)) !== null);
      if (boards.get(boardId) && access.can(viewer, 'post.read', row.post) && access.can(viewer, 'comment.read', row)) out.push(row);
    }
    return out;
  }

  async get(viewer: Viewer | null, commentId: number) {
    await this.requireComment(viewer, commentId);
    return this.out(await this.prisma.comment.findUniqueOrThrow({ where: { id: commentId }, select: commentSelect }), viewer);
  }

  /** The write rule alone, checked before an upload is received (so a refused request stores nothing). */
  async requireWrite(viewer: Viewer, postId: number): Promise<void> {
    const post = await this.posts.requirePost(viewer, postId);
    await this.policy.requireWrite(viewer, post.boardId);
  }

  /** The comment, its files' rows and the counter in one transaction; stored files are deleted if it fails. */
  async create(viewer: Viewer, postId: number, content: string, files: ReceivedFile[] = []) {
    try {
      const post = await this.posts.requirePost(viewer, postId);
      await this.policy.requireWrite(viewer, post.boardId);
      if (!validateComment({ content })) throw ValidationError.of(fieldErrors(validateComment.errors, 'body'));
      const created = await counterTransaction(this.prisma, postId, async (tx) => {
        const comment = await tx.comment.create({
          data: { postId, authorId: viewer.id, content, isFileAttached: files.length > 0, files: { create: fileRows(files) } },
          select: commentSelect,
        });
        await moveCounter(tx, postId, 'numberOfComment', 1);
        await this.searchIndex.comment(tx, comment);
        return comment;
      });
      await this.thumbnails.request('c', created.files);
      // the post's author and whoever it mentions are told by the worker
      this.notifier.emit({ kind: 'comment', commentId: created.id });
      return this.out(created, viewer);
    } catch (e) {
      await deleteFiles(
        this.storage,
        files.map((f) => f.key),
        this.logger,
      );
      // the post was deleted while the upload ran
      if ((e as { code?: string }).code === 'P2003') throw new NotFoundError('post_not_found', 'No such post.');
      throw e;
    }
  }

  async update(viewer: Viewer, commentId: number, patch: { content?: string; isVisible?: boolean }) {
    const comment = await this.requireComment(viewer, commentId);
    access.require(viewer, 'comment.update', comment);
    if (patch.isVisible !== undefined) access.require(viewer, 'comment.moderate');
    if (!validatePatch(patch)) throw ValidationError.of(fieldErrors(validatePatch.errors, 'body'));
    const updated = await counterTransaction(this.prisma, comment.postId, async (tx) => {
      if (patch.isVisible !== undefined && patch.isVisible !== comment.isVisible) {
        // only the request that really flips the flag moves the counter
        const flipped = await tx.comment.updateMany({ where: { id: commentId, isVisible: !patch.isVisible }, data: { isVisible: patch.isVisible } });
        await moveCounter(tx, comment.postId, 'numberOfComment', flipped.count * (patch.isVisible ? 1 : -1));
      }
      const row = await tx.comment.update({ where: { id: commentId }, data: { ...(patch.content !== undefined ? { content: patch.content } : {}) }, select: commentSelect });
      if (patch.content !== undefined) await this.searchIndex.comment(tx, row);
      return row;
    }).then((c) => this.out(c, viewer));
    if (patch.isVisible !== undefined && patch.isVisible !== comment.isVisible) {
      await this.audit.record({ actor: { id: viewer.id }, action: patch.isVisible ? 'comment.shown' : 'comment.hidden', target: { type: 'comment', id: commentId } });
      this.notifier.emit({ kind: 'moderation', targetType: 'comment', targetId: commentId, visible: patch.isVisible, actorId: viewer.id, at: Date.now() });
    }
    return updated;
  }

  async remove(viewer: Viewer, commentId: number) {
    const comment = await this.requireComment(viewer, commentId);
    access.require(viewer, 'comment.delete', comment);
    const keys = await counterTransaction(this.prisma, comment.postId, async (tx) => {
      const files = await tx.commentFile.findMany({ where: { commentId }, select: { path: true, thumbnailKey: true } });
      // decided by the row as it is now, not as it was read: a concurrent hide or delete counts once
      const visible = await tx.comment.deleteMany({ where: { id: commentId, isVisible: true } });
      if (visible.count) await moveCounter(tx, comment.postId, 'numberOfComment', -1);
      else await tx.comment.deleteMany({ where: { id: commentId } });
      return storedKeys(files);
    });
    // only after the commit: a rolled-back delete keeps its files
    await deleteFiles(this.storage, keys, this.logger);
    if (comment.authorId !== viewer.id) await this.audit.record({ actor: { id: viewer.id }, action: 'comment.deleted_by_moderator', target: { type: 'comment', id: commentId } });
  }
}
