// Boards and their grants. Shared by the REST API and the admin panel; every change drops the
// board's cached access state so the policy sees it on the very next request.
import type { AuditLog } from '../audit/service.js';
import { access, boardAccess, staffRoles, type BoardAccess, type Viewer } from '../access/index.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { toAppError } from '../platform/known-errors.js';
import { postFileKeys } from '../files/service.js';
import { deleteFiles } from '../files/upload.js';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import type { Storage } from '../platform/storage.js';
import { compile, fieldErrors } from '../http/schema.js';
import type { BoardPolicy } from './policy.js';
import { boardCreateBody, boardDefaults, boardGrantsBody, boardPatchBody } from './schemas.js';

export interface BoardInput {
  name: string;
  information?: string;
  isVisible?: boolean;
  isAvailable?: boolean;
  /** Hidden boards only: members granted at once. */
  userIds?: number[];
}

export type BoardPatch = Partial<BoardInput>;

const validateCreate = compile(boardCreateBody, false);
const validatePatch = compile(boardPatchBody, false);
const validateGrants = compile(boardGrantsBody, false);

const boardSelect = { id: true, name: true, information: true, isVisible: true, isAvailable: true, createDate: true, updateDate: true } as const;

export class BoardsService {
  constructor(
    private readonly prisma: Db,
    private readonly policy: BoardPolicy,
    private readonly audit: AuditLog,
    private readonly anonymousRead: boolean,
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {}

  /**
   * The rule for whoever is given a grant, for every entry point (REST, panel, CLI): an existing account that
   * is neither closed (gone) nor banned (cannot sign in). One 400 in `field`, naming each refused account and
   * why; grants already held may be kept or removed whatever the account's state.
   */
  private async checkGrantees(userIds: number[], field = 'userIds'): Promise<number[]> {
    const ids = [...new Set(userIds)];
    if (!ids.length) return ids;
    const found = await this.prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, isBanned: true, deletedAt: true } });
    const errors: FieldError[] = [];
    const missing = ids.filter((id) => !found.some((u) => u.id === id));
    if (missing.length) errors.push({ field, in: 'body', code: 'unknown_user', message: `${field} has unknown users: ${missing.join(', ')}` });
    const closed = found.filter((u) => u.deletedAt);
    if (closed.length) errors.push({ field, in: 'body', code: 'account_closed', message: `A closed account cannot be granted a board: ${closed.map((u) => `#${u.id}`).join(', ')}.` });
    const banned = found.filter((u) => !u.deletedAt && u.isBanned);
    if (banned.length) errors.push({ field, in: 'body', code: 'account_banned', message: `A banned account cannot be granted a board: ${banned.map((u) => `${u.name} (#${u.id})`).join(', ')}.` });
    if (errors.length) throw ValidationError.of(errors, errors.map((e) => e.message).join(' '));
    return ids;
  }

  /** The staff accounts a newly hidden board is granted to (open and not banned, like every grantee). */
  private adminIds() {
    return this.prisma.user.findMany({ where: { role: { in: [...staffRoles] }, deletedAt: null, isBanned: false }, select: { id: true } }).then((r) => r.map((u) => u.id));
  }

  /** The boards the viewer may read, each with why. */
  async list(viewer: Viewer | null) {
    const boards = await this.prisma.board.findMany({
      orderBy: { id: 'asc' },
      select: { ...boardSelect, permissions: { where: { userId: viewer?.id ?? -1 }, select: { id: true } } },
    });
    const out: (Omit<(typeof boards)[number], 'permissions'> & { access: BoardAccess })[] = [];
    for (const { permissions, ...b } of boards) {
      const why = boardAccess(viewer, { board: b, hasGrant: permissions.length > 0, anonymousRead: this.anonymousRead });
      if (why) out.push({ ...b, access: why });
    }
    return out;
  }

  async get(viewer: Viewer | null, boardId: number) {
    const why = await this.policy.requireRead(viewer, boardId);
    const board = await this.prisma.board.findUnique({ where: { id: boardId }, select: boardSelect });
    if (!board) throw new NotFoundError('board_not_found', 'No such board.');
    return { ...board, access: why };
  }

  async create(viewer: Viewer | null, input: BoardInput) {
    access.require(viewer, 'board.manage');
    if (!validateCreate(input)) throw ValidationError.of(fieldErrors(validateCreate.errors, 'body'));
    const hidden = !(input.isVisible ?? boardDefaults.isVisible);
    if (input.userIds?.length && !hidden) throw ValidationError.of([{ field: 'userIds', in: 'body', code: 'not_hidden', message: 'userIds is only for hidden boards (isVisible: false)' }]);
    const grantees = hidden ? [...new Set([...(await this.checkGrantees(input.userIds ?? [])), ...(await this.adminIds())])] : [];
    const board = await this.prisma
      .$transaction(async (tx) => {
        const b = await tx.board.create({
          data: { name: input.name, information: input.information ?? boardDefaults.information, isVisible: !hidden, isAvailable: input.isAvailable ?? boardDefaults.isAvailable },
          select: boardSelect,
        });
        if (grantees.length) await tx.userBoardPermission.createMany({ data: grantees.map((userId) => ({ userId, boardId: b.id })) });
        return b;
      })
      .catch((e: unknown) => {
        throw this.nameTaken(e);
      });
    await this.policy.invalidate(board.id);
    await this.audit.record({
      actor: { id: viewer.id },
      action: 'board.created',
      target: { type: 'board', id: board.id },
      details: { name: board.name, isVisible: board.isVisible, grants: grantees },
    });
    return board;
  }

  /**
   * Hiding a public board grants it to every admin and to `userIds`; making a hidden board public deletes
   * its grants (the original project's rules).
   */
  async update(viewer: Viewer | null, boardId: number, patch: BoardPatch) {
    access.require(viewer, 'board.manage');
    if (!validatePatch(patch)) throw ValidationError.of(fieldErrors(validatePatch.errors, 'body'));
    const before = await this.prisma.board.findUnique({ where: { id: boardId } });
    if (!before) throw new NotFoundError('board_not_found', 'No such board.');
    const hiding = before.isVisible && patch.isVisible === false;
    const showing = !before.isVisible && patch.isVisible === true;
    if (patch.userIds?.length && !hiding)
      throw ValidationError.of([{ field: 'userIds', in: 'body', code: 'not_hiding', message: 'userIds is only accepted when hiding a public board; use PUT /boards/{boardId}/grants otherwise' }]);
    const grantees = hiding ? [...new Set([...(await this.checkGrantees(patch.userIds ?? [])), ...(await this.adminIds())])] : [];
    const board = await this.prisma
      .$transaction(async (tx) => {
        const b = await tx.board.update({
          where: { id: boardId },
          data: {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.information !== undefined ? { information: patch.information } : {}),
            ...(patch.isVisible !== undefined ? { isVisible: patch.isVisible } : {}),
            ...(patch.isAvailable !== undefined ? { isAvailable: patch.isAvailable } : {}),
          },
          select: boardSelect,
        });
        if (hiding) {
          const existing = new Set((await tx.userBoardPermission.findMany({ where: { boardId }, select: { userId: true } })).map((g) => g.userId));
          const add = grantees.filter((id) => !existing.has(id));
          if (add.length) await tx.userBoardPermission.createMany({ data: add.map((userId) => ({ userId, boardId })) });
        }
        if (showing) await tx.userBoardPermission.deleteMany({ where: { boardId } });
        return b;
      })
      .catch((e: unknown) => {
        throw this.nameTaken(e);
      });
    await this.policy.invalidate(boardId);
    const action = hiding ? 'board.hidden' : showing ? 'board.shown' : 'board.changed';
    await this.audit.record({ actor: { id: viewer.id }, action, target: { type: 'board', id: boardId }, details: { patch: { ...patch }, ...(hiding ? { grants: grantees } : {}) } });
    return board;
  }

  async remove(viewer: Viewer | null, boardId: number) {
    access.require(viewer, 'board.manage');
    const { gone, keys } = await this.prisma.$transaction(async (tx) => {
      const found = await postFileKeys(tx, { boardId });
      return { gone: await tx.board.deleteMany({ where: { id: boardId } }), keys: found };
    });
    if (!gone.count) throw new NotFoundError('board_not_found', 'No such board.');
    // the board's posts, comments and file rows went with it (cascade); their files go after the commit
    await deleteFiles(this.storage, keys, this.logger);
    await this.policy.invalidate(boardId);
    await this.audit.record({ actor: { id: viewer.id }, action: 'board.deleted', target: { type: 'board', id: boardId } });
  }

  async grants(viewer: Viewer | null, boardId: number) {
    access.require(viewer, 'board.manage');
    if (!(await this.prisma.board.count({ where: { id: boardId } }))) throw new NotFoundError('board_not_found', 'No such board.');
    const rows = await this.prisma.userBoardPermission.findMany({ where: { boardId }, orderBy: { userId: 'asc' }, select: { userId: true } });
    return { userIds: rows.map((r) => r.userId) };
  }

  /** Sets exactly who holds a grant: missing ones are added, others removed. */
  async setGrants(viewer: Viewer | null, boardId: number, userIds: number[]) {
    access.require(viewer, 'board.manage');
    if (!validateGrants({ userIds })) throw ValidationError.of(fieldErrors(validateGrants.errors, 'body'));
    if (!(await this.prisma.board.count({ where: { id: boardId } }))) throw new NotFoundError('board_not_found', 'No such board.');
    const wanted = [...new Set(userIds)];
    const held = new Set((await this.prisma.userBoardPermission.findMany({ where: { boardId }, select: { userId: true } })).map((g) => g.userId));
    await this.checkGrantees(wanted.filter((id) => !held.has(id)));
    const { added, removed } = await this.prisma.$transaction(async (tx) => {
      const current = (await tx.userBoardPermission.findMany({ where: { boardId }, select: { userId: true } })).map((g) => g.userId);
      const add = wanted.filter((id) => !current.includes(id));
      const remove = current.filter((id) => !wanted.includes(id));
      if (remove.length) await tx.userBoardPermission.deleteMany({ where: { boardId, userId: { in: remove } } });
      if (add.length) await tx.userBoardPermission.createMany({ data: add.map((userId) => ({ userId, boardId })) });
      return { added: add, removed: remove };
    });
    await this.policy.invalidate(boardId);
    for (const userId of added) await this.audit.record({ actor: { id: viewer.id }, action: 'grant.added', target: { type: 'board', id: boardId }, details: { userId } });
    for (const userId of removed) await this.audit.record({ actor: { id: viewer.id }, action: 'grant.removed', target: { type: 'board', id: boardId }, details: { userId } });
    return { userIds: [...wanted].sort((a, b) => a - b) };
  }

  /** Gives one account a grant (the grantee rule applies); nothing changes when it holds one already. */
  async addGrant(viewer: Viewer | null, boardId: number, userId: number) {
    access.require(viewer, 'board.manage');
    if (!(await this.prisma.board.count({ where: { id: boardId } }))) throw new NotFoundError('board_not_found', 'No such board.');
    if (await this.prisma.userBoardPermission.count({ where: { boardId, userId } })) return { added: false };
    await this.checkGrantees([userId], 'userId');
    const { count } = await this.prisma.userBoardPermission.createMany({ data: [{ userId, boardId }] }).catch((e: unknown) => {
      // another request gave the same grant first
      if (toAppError(e)?.kind === 'conflict') return { count: 0 };
      throw e;
    });
    await this.policy.invalidate(boardId);
    if (count) await this.audit.record({ actor: { id: viewer.id }, action: 'grant.added', target: { type: 'board', id: boardId }, details: { userId } });
    return { added: count > 0 };
  }

  /** Takes one account's grant away (whatever the account's state); nothing changes when it holds none. */
  async removeGrant(viewer: Viewer | null, boardId: number, userId: number) {
    access.require(viewer, 'board.manage');
    if (!(await this.prisma.board.count({ where: { id: boardId } }))) throw new NotFoundError('board_not_found', 'No such board.');
    const { count } = await this.prisma.userBoardPermission.deleteMany({ where: { boardId, userId } });
    await this.policy.invalidate(boardId);
    if (count) await this.audit.record({ actor: { id: viewer.id }, action: 'grant.removed', target: { type: 'board', id: boardId }, details: { userId } });
    return { removed: count > 0 };
  }

  /** Who holds a grant, by name, with their standing (staff): the board's access at a glance. */
  async grantHolders(viewer: Viewer | null, boardId: number) {
    access.require(viewer, 'board.manage');
    if (!(await this.prisma.board.count({ where: { id: boardId } }))) throw new NotFoundError('board_not_found', 'No such board.');
    const rows = await this.prisma.userBoardPermission.findMany({
      where: { boardId },
      orderBy: { userId: 'asc' },
      select: { createDate: true, user: { select: { id: true, name: true, email: true, role: true, isBanned: true, deletedAt: true } } },
    });
    return rows.map((r) => ({ ...r.user, grantedAt: r.createDate }));
  }

  /**
   * The boards an account may read and why (staff): the board rule of src/access applied to that account, so
   * the answer is the one the account itself gets from GET /boards. A closed account reads nothing.
   */
  async readableBy(viewer: Viewer | null, userId: number) {
    access.require(viewer, 'board.manage');
    const user = await this.prisma.user.findUnique({ where: { id: userId }, select: { id: true, role: true, deletedAt: true } });
    if (!user) throw new NotFoundError('not_found', 'No such user.');
    if (user.deletedAt) return [];
    return (await this.list({ id: user.id, role: user.role })).map(({ id, name, isVisible, isAvailable, access: why }) => ({ id, name, isVisible, isAvailable, access: why }));
  }

  /**
   * The accounts a grant may be given to, by name or email (or id), for pickers: open accounts that are not
   * banned (a closed account is gone, a banned one cannot sign in).
   */
  async grantCandidates(viewer: Viewer | null, query: string, limit = 20) {
    access.require(viewer, 'board.manage');
    const q = query.trim();
    const id = /^\d+$/.test(q) ? Number(q) : null;
    return this.prisma.user.findMany({
      where: { deletedAt: null, isBanned: false, ...(q ? { OR: [{ name: { contains: q } }, { email: { contains: q.toLowerCase() } }, ...(id && id <= 2_147_483_647 ? [{ id }] : [])] } : {}) },
      orderBy: { name: 'asc' },
      take: limit,
      select: { id: true, name: true, email: true },
    });
  }

  /** The boards a user holds a grant for (staff). */
  async userGrants(viewer: Viewer | null, userId: number) {
    access.require(viewer, 'board.manage');
    const rows = await this.prisma.userBoardPermission.findMany({ where: { userId }, orderBy: { boardId: 'asc' }, select: { boardId: true } });
    return { boardIds: rows.map((r) => r.boardId) };
  }

  /**
   * Sets exactly which boards a user holds a grant for (PUT /users/:id/boards, the admin panel): missing
   * grants are added, others removed, in one transaction; every board touched drops its cached state.
   */
  async setUserGrants(viewer: Viewer | null, userId: number, boardIds: number[]) {
    access.require(viewer, 'board.manage');
    const wanted = [...new Set(boardIds)];
    if (wanted.length) {
      const found = await this.prisma.board.findMany({ where: { id: { in: wanted } }, select: { id: true } });
      const missing = wanted.filter((id) => !found.some((b) => b.id === id));
      if (missing.length) throw ValidationError.of([{ field: 'boardIds', in: 'body', code: 'unknown_board', message: `boardIds has unknown boards: ${missing.join(', ')}` }]);
      const held = (await this.prisma.userBoardPermission.findMany({ where: { userId }, select: { boardId: true } })).map((g) => g.boardId);
      if (wanted.some((id) => !held.includes(id))) await this.checkGrantees([userId], 'userId');
    }
    const { added, removed } = await this.prisma.$transaction(async (tx) => {
      const current = (await tx.userBoardPermission.findMany({ where: { userId }, select: { boardId: true } })).map((g) => g.boardId);
      const add = wanted.filter((id) => !current.includes(id));
      const remove = current.filter((id) => !wanted.includes(id));
      if (remove.length) await tx.userBoardPermission.deleteMany({ where: { userId, boardId: { in: remove } } });
      if (add.length) await tx.userBoardPermission.createMany({ data: add.map((boardId) => ({ userId, boardId })) });
      return { added: add, removed: remove };
    });
    for (const boardId of [...added, ...removed]) await this.policy.invalidate(boardId);
    for (const boardId of added) await this.audit.record({ actor: { id: viewer.id }, action: 'grant.added', target: { type: 'board', id: boardId }, details: { userId } });
    for (const boardId of removed) await this.audit.record({ actor: { id: viewer.id }, action: 'grant.removed', target: { type: 'board', id: boardId }, details: { userId } });
    return { boardIds: [...wanted].sort((a, b) => a - b) };
  }

  private nameTaken(e: unknown) {
    const app = toAppError(e);
    if (app?.kind === 'conflict') return new ConflictError('already_exists', 'A board with this name already exists.', { fields: ['name'] });
    return app ?? e;
  }
}
