// The board policy: the one place that decides who may read and write a board.
//   public (isVisible, isAvailable)  any signed-in member (anonymous readers too when ANONYMOUS_READ=true)
//   hidden (isVisible=false)         admins and grant holders
//   disabled (isAvailable=false)     admins only
// Everyone else gets 404: a board one may not read does not exist for them (its name never leaks).
// The check costs one Redis round trip in the common case (board state and grant membership cached,
// deleted on every change by BoardsService); only a cache miss reads the database.
import { NotFoundError } from '../errors.js';
import type { Principal } from '../auth/sessions.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import { execBatch, type Redis } from '../platform/redis.js';
import { isStaffRole } from '../users/schemas.js';

export type BoardAccess = 'admin' | 'public' | 'granted';

// KEYS: version, cache key. ARGV: the version the loader saw, then what to cache.
const CACHE_STATE = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;
const CACHE_GRANTS = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;
type Viewer = Pick<Principal, 'id' | 'role'> | null;

interface BoardState {
  isVisible: boolean;
  isAvailable: boolean;
}

export const isStaff = (viewer: Viewer) => viewer !== null && isStaffRole(viewer.role);

/** Pure rule, shared by the cached check and by listings that already hold the rows. */
export function accessOf(viewer: Viewer, board: BoardState, hasGrant: boolean, anonymousRead: boolean): BoardAccess | null {
  if (isStaff(viewer)) return 'admin';
  if (!board.isAvailable) return null;
  if (board.isVisible) return viewer || anonymousRead ? 'public' : null;
  return viewer && hasGrant ? 'granted' : null;
}

export class BoardPolicy {
  constructor(
    private readonly prisma: Db,
    private readonly redis: Redis,
    private readonly anonymousRead: boolean,
  ) {}

  /** The viewer's access to the board, or a 404 when they have none. */
  async requireRead(viewer: Viewer, boardId: number): Promise<BoardAccess> {
    const access = await this.access(viewer, boardId);
    if (!access) throw new NotFoundError('board_not_found', 'No such board.');
    return access;
  }

  /** Writing (posts, comments, likes) follows reading, but never anonymously. */
  async requireWrite(viewer: Viewer, boardId: number): Promise<BoardAccess> {
    if (!viewer) throw new NotFoundError('board_not_found', 'No such board.');
    return this.requireRead(viewer, boardId);
  }

  async access(viewer: Viewer, boardId: number): Promise<BoardAccess | null> {
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
    if (!state) return null;
    let hasGrant = member === 1;
    if (!grantsCached && viewer && !state.isVisible && !isStaff(viewer)) hasGrant = (await this.loadGrants(boardId, version ?? '0')).has(viewer.id);
    return accessOf(viewer, state, hasGrant, this.anonymousRead);
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
