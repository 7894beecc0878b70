// The board policy's lookups: a board's state and the viewer's grant, for the board rule in src/access/
// (public boards for members, hidden ones for staff and grant holders, disabled ones for staff; everyone else
// gets 404, so a board one may not read does not exist for them and its name never leaks).
// The check costs one Redis round trip in the common case (board state and grant membership cached,
// deleted on every change by BoardsService); only a cache miss reads the database.
import { access, boardAccess, type BoardAccess, type BoardState, type BoardTarget, type Viewer } from '../access/index.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import { execBatch, type Redis } from '../platform/redis.js';

export type { BoardAccess };

// KEYS: version, cache key. ARGV: the version the loader saw, then what to cache.
const CACHE_STATE = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;
const CACHE_GRANTS = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;
export class BoardPolicy {
  constructor(
    private readonly prisma: Db,
    private readonly redis: Redis,
    private readonly anonymousRead: boolean,
  ) {}

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
    const [cachedState, member, grantsCached, version] = (await execBatch(
      this.redis
        .pipeline()
        .get(redisKeys.boardAccess(boardId))
        .sismember(redisKeys.boardGrants(boardId), viewer ? String(viewer.id) : '-none-')
        .exists(redisKeys.boardGrants(boardId))
        .get(redisKeys.boardVersion(boardId)),
    )) as [string | null, number, number, string | null];
    let state: BoardState | null;
    if (cachedState === null) state = await this.loadState(boardId, version ?? '0');
    else state = cachedState === 'none' ? null : (JSON.parse(cachedState) as BoardState);
    if (!state) return undefined;
    const target = { board: state, hasGrant: member === 1, anonymousRead: this.anonymousRead };
    // the grants are read only when they could change the answer
    if (!grantsCached && viewer && !access.can(viewer, 'board.read', target)) target.hasGrant = (await this.loadGrants(boardId, version ?? '0')).has(viewer.id);
    return target;
  }

  // A loader caches what it read only if the board's version is still the one seen before reading the
  // database: a change that lands in between (and bumps the version) is never overwritten by older data.
  private async loadState(boardId: number, version: string): Promise<BoardState | null> {
    const board = await this.prisma.board.findUnique({ where: { id: boardId }, select: { isVisible: true, isAvailable: true } });
    await this.redis.eval(CACHE_STATE, 2, redisKeys.boardVersion(boardId), redisKeys.boardAccess(boardId), version, board ? JSON.stringify(board) : 'none', redisTtl.boardCacheSeconds);
    return board;
  }

  private async loadGrants(boardId: number, version: string): Promise<Set<number>> {
    const rows = await this.prisma.userBoardPermission.findMany({ where: { boardId }, select: { userId: true } });
    await this.redis.eval(CACHE_GRANTS, 2, redisKeys.boardVersion(boardId), redisKeys.boardGrants(boardId), version, redisTtl.boardCacheSeconds, '-', ...rows.map((r) => String(r.userId)));
    return new Set(rows.map((r) => r.userId));
  }

  /** Drops the cached state and grants of a board: the very next check reads the database. */
  async invalidate(boardId: number): Promise<void> {
    const version = redisKeys.boardVersion(boardId);
    await this.redis.multi().incr(version).expire(version, 86_400).del(redisKeys.boardAccess(boardId), redisKeys.boardGrants(boardId)).exec();
  }
}
