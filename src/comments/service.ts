// Comments. numberOfComment counts a post's visible comments: every create, delete, hide and show moves it
// in the same transaction as the row, so it stays exact under concurrent requests.
// New comments without files are group-committed (src/platform/group-commit.ts): the comments of the requests that
// arrive while a batch is being written are inserted, and their posts' counters moved, in the next batch's one
// transaction (SQLite: one statement batch; MariaDB: one interactive transaction); each request is answered after
// the commit that holds its row. If that transaction fails, its comments are written again one by one, so that
// only the one at fault fails (docs/decisions/0010-comment-group-commit.md).
import type { AuditLog } from '../audit/service.js';
import { access, type Viewer } from '../access/index.js';
import type { BoardPolicy } from '../boards/policy.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { compile, fieldErrors } from '../http/schema.js';
import { decodeIdKey, keysetPage, type Page } from '../http/pagination.js';
import { fileRows, fileSelect, publicFiles, storedKeys } from '../files/service.js';
import { deleteFiles, type ReceivedFile } from '../files/upload.js';
import type { Config } from '../config.js';
import { batchOrOneByOne, GroupCommit, type Outcome } from '../platform/group-commit.js';
import type { Logger } from '../platform/logger.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { Storage } from '../platform/storage.js';
import type { FileUrls, Thumbnails } from '../files/service.js';
import { counterTransaction, lockPostStatement, moveCounter, moveCounterStatement } from '../posts/counters.js';
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

/** What a batch insert returns (createManyAndReturn selects no to-many relation: a batch's comments have no files). */
const { files: _files, ...batchSelect } = commentSelect;

/** A comment to write: the request's checks (read and write rules, validation) are behind it. */
interface NewComment {
  postId: number;
  authorId: number;
  content: string;
}

/** The most comments one group commit writes. */
const MAX_BATCH = 256;

export class CommentsService {
  private readonly newComments: GroupCommit<NewComment, Outcome<Awaited<ReturnType<CommentsService['insertOne']>>>>;
  /** SQLite: a batch is one transaction of statements; MariaDB: one interactive transaction (docs/decisions/0010). */
  private readonly statementBatch: boolean;

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
    provider: Config['databaseProvider'],
  ) {
    // the statement batch relies on SQLite's search triggers; MariaDB writes each row's tokens (search/index.ts)
    this.statementBatch = provider === 'sqlite' && !searchIndex.writesIndex;
    this.newComments = new GroupCommit((batch) => this.writeBatch(batch), { maxBatch: MAX_BATCH, intervalMs: 0 });
  }

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
      const item = { postId, authorId: viewer.id, content };
      if (!files.length) {
        // notified by the batch (writeBatch)
        const outcome = await this.newComments.add(item);
        if (!outcome.ok) throw outcome.error;
        return this.out(outcome.value, viewer);
      }
      const created = await this.insertOne(item, files);
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

  /** One comment, its files' rows, its post's counter and its search tokens in one transaction. */
  private insertOne(c: NewComment, files: ReceivedFile[]) {
    return counterTransaction(this.prisma, c.postId, async (tx) => {
      const comment = await tx.comment.create({
        data: { postId: c.postId, authorId: c.authorId, content: c.content, isFileAttached: files.length > 0, files: { create: fileRows(files) } },
        select: commentSelect,
      });
      await moveCounter(tx, c.postId, 'numberOfComment', 1);
      await this.searchIndex.comment(tx, comment);
      return comment;
    });
  }

  /**
   * A batch of comments without files (SQLite) in one transaction of statements: each post's lock, the rows (one
   * INSERT … RETURNING), each post's counter moved by its number of new comments. Rows in the batch's order.
   */
  private async insertBatch(batch: NewComment[]) {
    const perPost = new Map<number, number>();
    for (const c of batch) perPost.set(c.postId, (perPost.get(c.postId) ?? 0) + 1);
    // locks in one order, as every counter transaction takes them (posts/counters.ts)
    const postIds = [...perPost.keys()].sort((a, b) => a - b);
    const results = await this.prisma.$transaction([
      ...postIds.map((id) => lockPostStatement(this.prisma, id)),
      this.prisma.comment.createManyAndReturn({ data: batch.map((c) => ({ ...c, isFileAttached: false })), select: batchSelect }),
      ...postIds.map((id) => moveCounterStatement(this.prisma, id, 'numberOfComment', perPost.get(id) ?? 0)),
    ]);
    // one statement in one transaction: ids ascend in the order of the rows given
    const rows = (results[postIds.length] as Prisma.CommentGetPayload<{ select: typeof batchSelect }>[]).slice().sort((a, b) => a.id - b.id);
    return rows.map((row) => ({ ...row, files: [] }));
  }

  /**
   * A batch of comments without files (MariaDB, which has no INSERT … RETURNING for many rows) in one interactive
   * transaction: the posts' locks in id order, each row with its search tokens, each post's counter once.
   */
  private async insertBatchInteractive(batch: NewComment[]) {
    const perPost = new Map<number, number>();
    for (const c of batch) perPost.set(c.postId, (perPost.get(c.postId) ?? 0) + 1);
    return counterTransaction(this.prisma, [...perPost.keys()], async (tx) => {
      const rows = [];
      for (const c of batch) {
        const row = await tx.comment.create({ data: { ...c, isFileAttached: false }, select: commentSelect });
        await this.searchIndex.comment(tx, row);
        rows.push(row);
      }
      for (const [postId, n] of perPost) await moveCounter(tx, postId, 'numberOfComment', n);
      return rows;
    });
  }

  /** The group commit's write: the batch, or one by one if it fails; then one notification job per comment written, queued together. */
  private async writeBatch(batch: NewComment[]) {
    const outcomes = await batchOrOneByOne(
      batch,
      (b) => (this.statementBatch ? this.insertBatch(b) : this.insertBatchInteractive(b)),
      (c) => this.insertOne(c, []),
    );
    // the post's author and whoever it mentions are told by the worker
    this.notifier.emit(...outcomes.flatMap((o) => (o.ok ? [{ kind: 'comment' as const, commentId: o.value.id }] : [])));
    return outcomes;
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
