// The board policy's lookups: a board's state and the viewer's grant, for the board rule in src/access/
// (public boards for members, hidden ones for staff and grant holders, disabled ones for staff; everyone else
// gets 404, so a board one may not read does not exist for them and its name never leaks).
// The check costs one Redis round trip in the common case (board state and grant membership cached,
// deleted on every change by BoardsService); only a cache miss reads the database.
import { access, boardAccess, type BoardAccess, type BoardState, type BoardTarget, type Viewer } from '../access/index.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { VersionedCache } from '../platform/versioned-cache.js';

export type { BoardAccess };

export class BoardPolicy {
  private readonly cache: VersionedCache<BoardState>;

  constructor(
    private readonly prisma: Db,
    redis: Redis,
    private readonly anonymousRead: boolean,
  ) {
    // unknown boards are cached too ("none"): board ids are few and anonymous reads ask for them
    this.cache = new VersionedCache(redis, {
      state: redisKeys.boardAccess,
      set: redisKeys.boardGrants,
      version: redisKeys.boardVersion,
      ttlSeconds: redisTtl.boardCacheSeconds,
      cacheMissing: true,
    });
  }

  /** The viewer's access to the board, or a 404 when they have none. */
  async requireRead(viewer: Viewer | null, boardId: number): Promise<BoardAccess> {
    const target = await this.target(viewer, boardId);
    access.require(viewer, 'board.read', target);
    return boardAccess(viewer, target!)!;
  }

  /** Writing (posts, comments, likes) follows reading, but never anonymously. */
  async requireWrite(viewer: Viewer | null, boardId: number): Promise<BoardAccess> {
    const target = viewer ? await this.target(viewer, boardId) : undefined;
    access.require(viewer, 'board.write', target);
    return boardAccess(viewer, target!)!;
  }

  async access(viewer: Viewer | null, boardId: number): Promise<BoardAccess | null> {
    const target = await this.target(viewer, boardId);
    return target ? boardAccess(viewer, target) : null;
  }

  /** What the board rule needs to know: the board's state and whether the viewer holds a grant (undefined: no such board). */
  private async target(viewer: Viewer | null, boardId: number): Promise<BoardTarget | undefined> {
    const cached = await this.cache.lookup(boardId, viewer?.id ?? null);
    const state = cached.state === undefined ? await this.loadState(boardId, cached.version) : cached.state;
    if (!state) return undefined;
    const target = { board: state, hasGrant: cached.inSet, anonymousRead: this.anonymousRead };
    // the grants are read only when they could change the answer
    if (!cached.setCached && viewer && !access.can(viewer, 'board.read', target)) target.hasGrant = (await this.loadGrants(boardId, cached.version)).has(viewer.id);
    return target;
  }

  private async loadState(boardId: number, version: string): Promise<BoardState | null> {
    const board = await this.prisma.board.findUnique({ where: { id: boardId }, select: { isVisible: true, isAvailable: true } });
    await this.cache.storeState(boardId, version, board);
    return board;
  }

  private async loadGrants(boardId: number, version: string): Promise<Set<number>> {
    const rows = await this.prisma.userBoardPermission.findMany({ where: { boardId }, select: { userId: true } });
    await this.cache.storeSet(
      boardId,
      version,
      rows.map((r) => r.userId),
    );
    return new Set(rows.map((r) => r.userId));
  }

  /** Drops the cached state and grants of a board: the very next check reads the database. */
  async invalidate(boardId: number): Promise<void> {
    await this.cache.invalidate(boardId);
  }
}
