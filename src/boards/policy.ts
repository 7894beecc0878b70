// The board policy: the one place that decides who may read and write a board.
//   public (isVisible, isAvailable)  any signed-in member (anonymous readers too when ANONYMOUS_READ=true)
//   hidden (isVisible=false)         admins and grant holders
//   disabled (isAvailable=false)     admins only
// Everyone else gets 404: a board one may not read does not exist for them (its name never leaks).
// The check costs one Redis round trip in the common case (board state and grant membership cached,
// deleted on every change by BoardsService); only a cache miss reads the database.
import { NotFoundError } from '../http/errors.js';
import type { Principal } from '../auth/sessions.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { isStaffRole } from '../users/schemas.js';

export type BoardAccess = 'admin' | 'public' | 'granted';
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
    if (!access) throw new NotFoundError('No such board.', 'board_not_found');
    return access;
  }

  /** Writing (posts, comments, likes) follows reading, but never anonymously. */
  async requireWrite(viewer: Viewer, boardId: number): Promise<BoardAccess> {
    if (!viewer) throw new NotFoundError('No such board.', 'board_not_found');
    return this.requireRead(viewer, boardId);
  }

  async access(viewer: Viewer, boardId: number): Promise<BoardAccess | null> {
    const stateKey = redisKeys.boardAccess(boardId);
    const grantsKey = redisKeys.boardGrants(boardId);
    const [[, cachedState], [, member], [, grantsCached]] = (await this.redis
      .pipeline()
      .get(stateKey)
      .sismember(grantsKey, viewer ? String(viewer.id) : '-none-')
      .exists(grantsKey)
      .exec()) as [[unknown, string | null], [unknown, number], [unknown, number]];
    let state: BoardState | null;
    if (cachedState === null) state = await this.loadState(boardId);
    else state = cachedState === 'none' ? null : (JSON.parse(cachedState) as BoardState);
    if (!state) return null;
    let hasGrant = member === 1;
    if (!grantsCached && viewer && !state.isVisible && !isStaff(viewer)) hasGrant = (await this.loadGrants(boardId)).has(viewer.id);
    return accessOf(viewer, state, hasGrant, this.anonymousRead);
  }

  private async loadState(boardId: number): Promise<BoardState | null> {
    const board = await this.prisma.board.findUnique({ where: { id: boardId }, select: { isVisible: true, isAvailable: true } });
    await this.redis.set(redisKeys.boardAccess(boardId), board ? JSON.stringify(board) : 'none', 'EX', redisTtl.boardCacheSeconds);
    return board;
  }

  private async loadGrants(boardId: number): Promise<Set<number>> {
    const rows = await this.prisma.userBoardPermission.findMany({ where: { boardId }, select: { userId: true } });
    const key = redisKeys.boardGrants(boardId);
    await this.redis.multi().del(key).sadd(key, '-', ...rows.map((r) => String(r.userId))).expire(key, redisTtl.boardCacheSeconds).exec();
    return new Set(rows.map((r) => r.userId));
  }

  /** Drops the cached state and grants of a board: the very next check reads the database. */
  async invalidate(boardId: number): Promise<void> {
    await this.redis.del(redisKeys.boardAccess(boardId), redisKeys.boardGrants(boardId));
  }
}
