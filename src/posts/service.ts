// Posts and likes. Access goes through the board policy; authors edit and delete their own posts, staff
// moderate any. Counters change only in the same transaction as the rows they count.
import type { AuditLog } from '../audit/service.js';
import { access, type Viewer } from '../access/index.js';
import type { BoardPolicy } from '../boards/policy.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { compile, fieldErrors } from '../http/schema.js';
import { decodeKey, invalidCursor, isIntKey, keysetPage, type Page } from '../http/pagination.js';
import { deleteFiles, type ReceivedFile } from '../files/upload.js';
import { fileRows, fileSelect, postFileKeys, publicFiles } from '../files/service.js';
import type { Logger } from '../platform/logger.js';
import { isUniqueViolation } from '../platform/known-errors.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { Storage } from '../platform/storage.js';
import { counterTransaction, moveCounter } from './counters.js';
import { postBody, postPatchBody } from './schemas.js';
import type { ViewCounter } from './views.js';
import type { NotificationEmitter } from '../notifications/index.js';

export type PostSort = 'new' | 'views' | 'likes' | 'comments';

export interface PostListQuery {
  limit: number;
  cursor?: string;
  page?: number;
  sort: PostSort;
  q?: string;
}

const validatePost = compile(postBody, false);
const validatePatch = compile(postPatchBody, false);

const sortColumn = { new: 'createDate', views: 'numberOfView', likes: 'numberOfLike', comments: 'numberOfComment' } as const;

const listSelect = {
  id: true,
  boardId: true,
  name: true,
  createDate: true,
  updateDate: true,
  numberOfView: true,
  numberOfComment: true,
  numberOfLike: true,
  isFileAttached: true,
  isVisible: true,
  author: { select: { id: true, name: true } },
} as const;

const detailSelect = { ...listSelect, content: true, files: { select: fileSelect, orderBy: { id: 'asc' } } } as const;

/** A post as the API shows it: files with their public ids and download URLs. */
function out<P extends { files: { id: number; originalName: string; size: number; mimeType: string }[] }>(post: P) {
  return { ...post, files: publicFiles('p', post.files) };
}

export class PostsService {
  constructor(
    private readonly prisma: Db,
    private readonly policy: BoardPolicy,
    private readonly audit: AuditLog,
    private readonly views: ViewCounter,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly notifier: NotificationEmitter,
  ) {}

  /** The post, after the viewer's access to its board is checked; hidden posts exist only for staff. */
  async requirePost(viewer: Viewer | null, postId: number, boardId?: number) {
    const post = await this.prisma.post.findUnique({ where: { id: postId }, select: { id: true, boardId: true, authorId: true, isVisible: true } });
    return this.checkRead(viewer, post, boardId);
  }

  /**
   * The read rule for a post already loaded (or null): its board's policy, then its own visibility. A post the
   * viewer may not read answers exactly like a missing one (its board's existence does not leak either).
   */
  private async checkRead<P extends { boardId: number; isVisible: boolean }>(viewer: Viewer | null, post: P | null, boardId?: number): Promise<P> {
    const absent = () => new NotFoundError('post_not_found', 'No such post.');
    if (!post || (boardId !== undefined && post.boardId !== boardId)) throw absent();
    if (!(await this.policy.access(viewer, post.boardId))) throw absent();
    access.require(viewer, 'post.read', post);
    return post;
  }

  async list(viewer: Viewer | null, boardId: number, q: PostListQuery): Promise<Page<unknown> & { page?: number }> {
    await this.policy.requireRead(viewer, boardId);
    const column = sortColumn[q.sort];
    const where: Prisma.PostWhereInput = {
      boardId,
      ...(access.can(viewer, 'post.moderate') ? {} : { isVisible: true }),
      ...(q.q ? await this.titleFilter(boardId, q.q) : {}),
    };
    if (q.cursor) {
      const [value, id] = decodeKey(q.cursor, [q.sort === 'new' ? 'string' : 'number', 'number']);
      const v = q.sort === 'new' ? new Date(value) : (value as number);
      if ((v instanceof Date ? Number.isNaN(v.getTime()) : !isIntKey(v)) || !isIntKey(id)) {
        throw invalidCursor();
      }
      where.OR = [{ [column]: { lt: v } }, { [column]: v, id: { lt: id } }];
    }
    const rows = await this.prisma.post.findMany({
      where,
      select: listSelect,
      orderBy: [{ [column]: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      ...(!q.cursor && q.page ? { skip: (q.page - 1) * q.limit } : {}),
    });
    const buffered = await this.views.pending(rows.slice(0, q.limit).map((r) => r.id));
    for (const row of rows) row.numberOfView += buffered.get(row.id) ?? 0;
    const page = keysetPage(rows, q.limit, (last) => [q.sort === 'new' ? last.createDate.toISOString() : last[column as 'numberOfView'], last.id]);
    return { ...page, ...(!q.cursor && q.page ? { page: q.page } : {}) };
  }

  /**
   * Substring search in titles. Prisma's `contains` becomes SQL LIKE without escaping, so `%` and `_` would
   * act as wildcards; a search holding them matches literally through instr() (SQLite and MySQL both have it).
   */
  private async titleFilter(boardId: number, text: string): Promise<Prisma.PostWhereInput> {
    if (!/[%_\\]/.test(text)) return { name: { contains: text } };
    const rows = await this.prisma.$queryRaw<{ id: number | bigint }[]>`SELECT id FROM posts WHERE boardId = ${boardId} AND instr(name, ${text}) > 0`;
    return { id: { in: rows.map((r) => Number(r.id)) } };
  }

  /** Reading a post counts a view (once per viewer per window); the count shown includes buffered views. */
  async get(viewer: Viewer | null, boardId: number, postId: number, viewerKey: string) {
    // one query: the post with everything shown, then the same read rule as everywhere
    const post = await this.checkRead(viewer, await this.prisma.post.findUnique({ where: { id: postId }, select: detailSelect }), boardId);
    const buffered = await this.views.record(postId, viewerKey);
    return out({ ...post, numberOfView: post.numberOfView + buffered });
  }

  /** The write rule alone, checked before an upload is received (so a refused request stores nothing). */
  async requireWrite(viewer: Viewer, boardId: number): Promise<void> {
    await this.policy.requireWrite(viewer, boardId);
  }

  /**
   * A post and its files' rows in one transaction (Prisma's nested create): it is visible with all of its
   * files or not at all. The files were stored by the upload; if the rows cannot be written they are deleted.
   */
  async create(viewer: Viewer | null, boardId: number, input: { name: string; content: string }, files: ReceivedFile[] = []) {
    try {
      if (!viewer) throw new NotFoundError('board_not_found', 'No such board.');
      await this.policy.requireWrite(viewer, boardId);
      if (!validatePost(input)) throw ValidationError.of(fieldErrors(validatePost.errors, 'body'));
      const post = await this.prisma.post.create({
        data: { boardId, authorId: viewer.id, name: input.name, content: input.content, isFileAttached: files.length > 0, files: { create: fileRows(files) } },
        select: detailSelect,
      });
      if (/@[A-Za-z]/.test(input.name + input.content)) this.notifier.emit({ kind: 'post', postId: post.id });
      return out(post);
    } catch (e) {
      await deleteFiles(
        this.storage,
        files.map((f) => f.key),
        this.logger,
      );
      throw e;
    }
  }

  /** Authors edit name and content; staff may also hide or show the post (moderation, audited). */
  async update(viewer: Viewer, boardId: number, postId: number, patch: { name?: string; content?: string; isVisible?: boolean }) {
    const post = await this.requirePost(viewer, postId, boardId);
    access.require(viewer, 'post.update', post);
    if (patch.isVisible !== undefined) access.require(viewer, 'post.moderate');
    if (!validatePatch(patch)) throw ValidationError.of(fieldErrors(validatePatch.errors, 'body'));
    const updated = out(await this.prisma.post.update({ where: { id: postId }, data: patch, select: detailSelect }));
    if (patch.isVisible !== undefined && patch.isVisible !== post.isVisible) {
      await this.audit.record({ actor: { id: viewer.id }, action: patch.isVisible ? 'post.shown' : 'post.hidden', target: { type: 'post', id: postId } });
      this.notifier.emit({ kind: 'moderation', targetType: 'post', targetId: postId, visible: patch.isVisible, actorId: viewer.id, at: Date.now() });
    }
    return updated;
  }

  async remove(viewer: Viewer, boardId: number, postId: number) {
    const post = await this.requirePost(viewer, postId, boardId);
    access.require(viewer, 'post.delete', post);
    // the keys are read in the deleting transaction (which locks the post first, like every comment write),
    // and the files go only once it has committed
    const keys = await counterTransaction(this.prisma, postId, async (tx) => {
      const found = await postFileKeys(tx, { id: postId });
      await tx.post.delete({ where: { id: postId } });
      return found;
    });
    await deleteFiles(this.storage, keys, this.logger);
    if (post.authorId !== viewer.id) await this.audit.record({ actor: { id: viewer.id }, action: 'post.deleted_by_moderator', target: { type: 'post', id: postId } });
  }

  /** Idempotent: one like per member; the counter moves only when a row was really added or removed. */
  async like(viewer: Viewer, postId: number, liked: boolean) {
    const post = await this.requirePost(viewer, postId);
    await this.policy.requireWrite(viewer, post.boardId);
    let added = false;
    const result = await counterTransaction(this.prisma, postId, async (tx) => {
      added = false;
      if (liked) {
        // the unique (postId, userId) decides: a second like, even a concurrent one, adds nothing
        added = await tx.postLike.create({ data: { postId, userId: viewer.id } }).then(
          () => true,
          (e: unknown) => {
            if (isUniqueViolation(e)) return false;
            throw e;
          },
        );
        if (added) await moveCounter(tx, postId, 'numberOfLike', 1);
      } else {
        const removed = await tx.postLike.deleteMany({ where: { postId, userId: viewer.id } });
        await moveCounter(tx, postId, 'numberOfLike', -removed.count);
      }
      const { numberOfLike } = await tx.post.findUniqueOrThrow({ where: { id: postId }, select: { numberOfLike: true } });
      return { postId, liked, numberOfLike };
    });
    // the author is told in one notification per post (aggregated by the worker)
    if (added) this.notifier.emit({ kind: 'like', postId, userId: viewer.id });
    return result;
  }
}
