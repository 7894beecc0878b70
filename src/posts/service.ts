// Posts and likes. Access goes through the board policy; authors edit and delete their own posts, staff
// moderate any. Counters change only in the same transaction as the rows they count.
import type { AuditLog } from '../audit/service.js';
import { access, type Viewer } from '../access/index.js';
import type { BoardPolicy } from '../boards/policy.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { compile, fieldErrors } from '../http/schema.js';
import { decodeIdKey, decodeKey, encodeKey, invalidCursor, isIntKey, keysetPage, type Page } from '../http/pagination.js';
import { deleteFiles, type ReceivedFile } from '../files/upload.js';
import { fileRows, fileSelect, postFileKeys, publicFiles } from '../files/service.js';
import type { Logger } from '../platform/logger.js';
import { isUniqueViolation } from '../platform/known-errors.js';
import type { Db, Prisma } from '../platform/prisma.js';
import type { Storage } from '../platform/storage.js';
import type { SearchIndexer } from '../search/index.js';
import type { FileUrls, Thumbnails } from '../files/service.js';
import { counterTransaction, moveCounter } from './counters.js';
import { postBody, postPatchBody } from './schemas.js';
import type { ViewCounter } from './views.js';
import type { NotificationEmitter } from '../notifications/index.js';

/** How many reads of likes one page of `likedBy` may take to skip likes of posts the viewer can no longer read. */
const LIKES_SCAN_ROUNDS = 10;

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

export class PostsService {
  constructor(
    private readonly prisma: Db,
    private readonly policy: BoardPolicy,
    private readonly audit: AuditLog,
    private readonly views: ViewCounter,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly searchIndex: SearchIndexer,
    private readonly fileUrls: FileUrls,
    private readonly thumbnails: Thumbnails,
    private readonly notifier: NotificationEmitter,
  ) {}

  /** A post as `viewer` is shown it: files with their public ids and URLs signed for that viewer. */
  private out<P extends { files: { id: number; originalName: string; size: number; mimeType: string; thumbnailKey: string | null }[] }>(post: P, viewer: Viewer | null) {
    return { ...post, files: publicFiles('p', post.files, this.fileUrls, viewer) };
  }

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
    const shown = rows.slice(0, q.limit).map((r) => r.id);
    const [buffered, liked] = await Promise.all([this.views.pending(shown), this.likedAmong(viewer, shown)]);
    for (const row of rows) row.numberOfView += buffered.get(row.id) ?? 0;
    const page = keysetPage(rows, q.limit, (last) => [q.sort === 'new' ? last.createDate.toISOString() : last[column as 'numberOfView'], last.id]);
    const items = liked ? page.items.map((p) => ({ ...p, likedByMe: liked.has(p.id) })) : page.items;
    return { ...page, items, ...(!q.cursor && q.page ? { page: q.page } : {}) };
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

  /**
   * One member's latest posts, newest first, as the viewer may read them (the board rule and the post rule:
   * staff see hidden ones too; others get fewer than `limit` when some are not theirs to read). For the admin
   * member page.
   */
  async byAuthor(viewer: Viewer, authorId: number, limit: number) {
    const rows = await this.prisma.post.findMany({
      where: { authorId, ...(access.can(viewer, 'post.moderate') ? {} : { isVisible: true }) },
      orderBy: { id: 'desc' },
      take: limit,
      select: { id: true, boardId: true, name: true, createDate: true, isVisible: true, numberOfComment: true, numberOfLike: true, board: { select: { name: true } } },
    });
    const boards = new Map<number, boolean>();
    const out: typeof rows = [];
    for (const row of rows) {
      if (!boards.has(row.boardId)) boards.set(row.boardId, (await this.policy.access(viewer, row.boardId)) !== null);
      if (boards.get(row.boardId) && access.can(viewer, 'post.read', row)) out.push(row);
    }
    return out;
  }

  /** Reading a post counts a view (once per viewer per window); the count shown includes buffered views. */
  async get(viewer: Viewer | null, boardId: number, postId: number, viewerKey: string) {
    // one query: the post with everything shown, then the same read rule as everywhere
    const post = await this.checkRead(viewer, await this.prisma.post.findUnique({ where: { id: postId }, select: detailSelect }), boardId);
    const [buffered, liked] = await Promise.all([this.views.record(postId, viewerKey), this.likedAmong(viewer, [postId])]);
    return { ...this.out({ ...post, numberOfView: post.numberOfView + buffered }, viewer), ...(liked ? { likedByMe: liked.has(postId) } : {}) };
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
      // the search index's tokens (MariaDB) in the same transaction as the post
      const post = await this.prisma.$transaction(async (tx) => {
        const row = await tx.post.create({
          data: { boardId, authorId: viewer.id, name: input.name, content: input.content, isFileAttached: files.length > 0, files: { create: fileRows(files) } },
          select: detailSelect,
        });
        await this.searchIndex.post(tx, row);
        return row;
      });
      await this.thumbnails.request('p', post.files);
      if (/@[A-Za-z]/.test(input.name + input.content)) this.notifier.emit({ kind: 'post', postId: post.id });
      return this.out(post, viewer);
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
    const updated = this.out(
      await this.prisma.$transaction(async (tx) => {
        const row = await tx.post.update({ where: { id: postId }, data: patch, select: detailSelect });
        if (patch.name !== undefined || patch.content !== undefined) await this.searchIndex.post(tx, row);
        return row;
      }),
      viewer,
    );
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

  /**
   * Which of these posts the viewer has liked: one query on the unique (postId, userId) index for a whole
   * page. Anonymous readers get null (the field is left out: there is no "me" to have liked anything).
   */
  private async likedAmong(viewer: Viewer | null, postIds: number[]): Promise<Set<number> | null> {
    if (!viewer) return null;
    if (postIds.length === 0) return new Set();
    const rows = await this.prisma.postLike.findMany({ where: { userId: viewer.id, postId: { in: postIds } }, select: { postId: true } });
    return new Set(rows.map((r) => r.postId));
  }

  /**
   * The posts the viewer liked, the latest like first (keyset by the like's id, on the userId index), leaving
   * out those they may no longer read: the board rule is asked once per board, and hidden posts only for staff.
   * Likes of unreadable posts are skipped by reading further; after `LIKES_SCAN_ROUNDS` reads a page may come
   * back short (still with a cursor), so one request never scans a member's whole history.
   */
  async likedBy(viewer: Viewer, q: { limit: number; cursor?: string }): Promise<Page<unknown>> {
    let before = q.cursor ? decodeIdKey(q.cursor) : undefined;
    const boards = new Map<number, Promise<boolean>>();
    const readable = (boardId: number) => {
      let known = boards.get(boardId);
      if (!known) boards.set(boardId, (known = this.policy.access(viewer, boardId).then((a) => a !== null)));
      return known;
    };
    const select = { id: true, createDate: true, post: { select: listSelect } } as const;
    const kept: { id: number; createDate: Date; post: Prisma.PostGetPayload<{ select: typeof listSelect }> }[] = [];
    for (let round = 0; kept.length <= q.limit; round++) {
      const take = q.limit + 1;
      const rows = await this.prisma.postLike.findMany({
        where: { userId: viewer.id, ...(before !== undefined ? { id: { lt: before } } : {}) },
        select,
        orderBy: { id: 'desc' },
        take,
      });
      for (const row of rows) if ((await readable(row.post.boardId)) && access.can(viewer, 'post.read', row.post)) kept.push(row);
      if (rows.length < take) break;
      before = rows[rows.length - 1].id;
      if (round + 1 === LIKES_SCAN_ROUNDS && kept.length <= q.limit) {
        // a short page; the next one starts after the last like read
        return { items: await this.likedItems(kept), nextCursor: encodeKey([before]) };
      }
    }
    const page = keysetPage(kept, q.limit, (last) => [last.id]);
    return { items: await this.likedItems(page.items), nextCursor: page.nextCursor };
  }

  private async likedItems(likes: { createDate: Date; post: { id: number; numberOfView: number } }[]) {
    const buffered = await this.views.pending(likes.map((l) => l.post.id));
    return likes.map((l) => ({ ...l.post, numberOfView: l.post.numberOfView + (buffered.get(l.post.id) ?? 0), likedByMe: true, likedAt: l.createDate }));
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
