import crypto from 'node:crypto';
import { access, type Viewer } from '../access/index.js';
import type { AuditLog } from '../audit/service.js';
import { AttemptLimiter } from '../auth/limiter.js';
import { Passwords } from '../auth/passwords.js';
import type { Sessions } from '../auth/sessions.js';
import type { BoardsService } from '../boards/service.js';
import type { Config } from '../config.js';
import { InvalidInputError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { isUniqueViolation, toAppError } from '../platform/known-errors.js';
import { decodeIdKey, keysetPage, type Page } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import { redisKeys } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { adminUserPatchBody, banBody, closedAccountName, newUserSchema, roleBody, updateMeBody, type Locale, type Role } from './schemas.js';

export interface NewUser {
  name: string;
  email: string;
  password: string;
}

/** What callers may see of a user: never the password hash. */
export const publicUserSelect = {
  id: true,
  name: true,
  email: true,
  role: true,
  joinDate: true,
  updateDate: true,
  isBanned: true,
  bannedAt: true,
  banReason: true,
} as const;

/** The account as its owner sees it: the public fields and their own settings. */
const ownUserSelect = { ...publicUserSelect, locale: true } as const;

const validateNewUser = compile(newUserSchema, false);
const validateBan = compile(banBody, false);
const validateAdminPatch = compile(adminUserPatchBody, false);
const validateRole = compile(roleBody, false);
const validateUpdateMe = compile(updateMeBody, false);

export interface UpdateMe {
  name?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
  /** The admin panel's language; null goes back to the browser's. */
  locale?: Locale | null;
}

/** The admin list's filters (GET /users, the admin panel). */
export interface UserListQuery {
  /** Part of the name or the email. */
  q?: string;
  role?: Role;
  banned?: boolean;
  cursor?: string;
  limit: number;
}

/** What an admin may change on an account (PATCH /users/:id). The role needs a superuser. */
export interface AdminUserPatch {
  name?: string;
  email?: string;
  role?: Exclude<Role, 'superuser'>;
}

export type PublicUser = Omit<Awaited<ReturnType<UsersService['me']>>, 'locale'>;

/**
 * What the service works with. A command-line tool may leave out what it never uses (it only creates
 * accounts); a method that needs a missing one fails loudly rather than skipping a rule.
 */
export interface UsersDeps {
  prisma: Db;
  audit: AuditLog;
  sessions?: Sessions;
  boards?: BoardsService;
  /** Defaults to an instance of its own (a tool hashes one password). */
  passwords?: Passwords;
  /** For the limit on current-password checks. */
  redis?: Redis;
  config?: Pick<Config, 'auth'>;
}

export class UsersService {
  private readonly prisma: Db;
  private readonly audit: AuditLog;
  private readonly sessions?: Sessions;
  private readonly boards?: BoardsService;
  private readonly passwords: Passwords;
  private readonly guesses?: { limiter: AttemptLimiter; limit: number };

  constructor(deps: UsersDeps) {
    this.prisma = deps.prisma;
    this.audit = deps.audit;
    this.sessions = deps.sessions;
    this.boards = deps.boards;
    this.passwords = deps.passwords ?? new Passwords();
    if (deps.redis && deps.config) this.guesses = { limiter: new AttemptLimiter(deps.redis, deps.config.auth.loginRateWindowSeconds), limit: deps.config.auth.loginRateLimitPerAccount };
  }

  private requireSessions(): Sessions {
    if (!this.sessions) throw new Error('UsersService was built without sessions');
    return this.sessions;
  }

  private async requireUser(id: number) {
    const user = await this.prisma.user.findUnique({ where: { id } });
    if (!user || user.deletedAt) throw new NotFoundError('not_found', 'No such user.');
    return user;
  }

  async me(viewer: Viewer) {
    await this.requireUser(viewer.id);
    return this.prisma.user.findUniqueOrThrow({ where: { id: viewer.id }, select: ownUserSelect });
  }

  /** Members see a public profile; admins the full record (never the password hash). */
  async profile(viewer: Viewer, id: number) {
    await this.requireUser(id);
    if (access.can(viewer, 'user.readPrivate', { id })) return this.prisma.user.findUniqueOrThrow({ where: { id }, select: publicUserSelect });
    return this.prisma.user.findUniqueOrThrow({ where: { id }, select: { id: true, name: true, role: true, joinDate: true } });
  }

  /**
   * The current password, when a change needs it. Wrong guesses count per account like failed logins
   * (LOGIN_RATE_LIMIT_ACCOUNT per window, then 429): a stolen access token does not buy unlimited guesses.
   */
  private async checkCurrentPassword(user: { id: number; passwordHash: string }, current: string | undefined) {
    const refuse = (code: 'required' | 'mismatch') =>
      new InvalidInputError('invalid_current_password', 'The current password is required to change the email or the password, and it did not match.', {
        errors: [{ field: 'currentPassword', in: 'body', code, message: code === 'required' ? 'currentPassword is required' : 'currentPassword does not match' }],
      });
    if (current === undefined) throw refuse('required');
    if (!this.guesses) throw new Error('UsersService was built without Redis for the current-password limit');
    const attempt = await this.guesses.limiter.attempt([{ key: redisKeys.passwordCheck(user.id), limit: this.guesses.limit }]);
    let ok: boolean;
    try {
      ok = await this.passwords.verify(user.passwordHash, current);
    } catch (e) {
      await attempt.succeeded(); // not checked (server busy): not a guess
      throw e;
    }
    if (!ok) throw refuse('mismatch');
    await attempt.succeeded();
  }

  /** A new password or email: reset tokens mailed before it are worth nothing. */
  private spendResetTokens(userId: number) {
    return this.prisma.passwordResetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
  }

  /** Changing email or password needs the current password; a new password ends every other session. */
  async updateMe(viewer: Viewer, input: UpdateMe) {
    if (!validateUpdateMe(input)) throw ValidationError.of(fieldErrors(validateUpdateMe.errors, 'body'));
    const user = await this.requireUser(viewer.id);
    if (input.email !== undefined || input.password !== undefined) await this.checkCurrentPassword(user, input.currentPassword);
    const email = input.email?.toLowerCase();
    const clash = await this.prisma.user.findFirst({
      where: { id: { not: user.id }, OR: [...(input.name ? [{ name: input.name }] : []), ...(email ? [{ email }] : [])] },
      select: { name: true, email: true },
    });
    if (clash) {
      const fields = [...(clash.name === input.name ? ['name'] : []), ...(clash.email === email ? ['email'] : [])];
      throw new ConflictError('already_exists', `${fields.join(' and ')} already taken`, { fields });
    }
    const data = {
      ...(input.name ? { name: input.name } : {}),
      ...(email ? { email } : {}),
      ...(input.password ? { passwordHash: await this.passwords.hash(input.password) } : {}),
      // a member's own preference: not audited
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
    };
    const updated = await this.prisma.user.update({ where: { id: user.id }, data, select: ownUserSelect }).catch((e: unknown) => {
      throw toAppError(e) ?? e;
    });
    if (input.password || email) await this.spendResetTokens(user.id);
    if (input.password) {
      await this.requireSessions().revokeAll(user.id);
      await this.audit.record({ actor: { id: user.id, name: updated.name }, action: 'password.changed', target: { type: 'user', id: user.id } });
    }
    return updated;
  }

  /**
   * Closing an account is a soft delete: the row stays so the member's posts and comments keep an author
   * (shown as `deleted_<id>`), while name and email are freed, the password is made unusable and every
   * session and reset token ends. Members cannot register such names; should one exist anyway (made
   * before the rule, or by hand), a random suffix makes the closed name unique instead.
   */
  async deleteMe(viewer: Viewer, password: string) {
    const user = await this.requireUser(viewer.id);
    await this.checkCurrentPassword(user, password);
    for (let attempt = 0; ; attempt++) {
      const closed = closedAccountName(user.id, attempt === 0 ? '' : `_${crypto.randomBytes(4).toString('hex')}`);
      try {
        await this.prisma.user.update({ where: { id: user.id }, data: { deletedAt: new Date(), ...closed, passwordHash: '!' } });
        break;
      } catch (e) {
        if (attempt < 3 && isUniqueViolation(e)) continue;
        throw toAppError(e) ?? e;
      }
    }
    await this.spendResetTokens(user.id);
    await this.requireSessions().revokeAll(user.id);
    await this.audit.record({ actor: { id: user.id, name: user.name }, action: 'user.deleted', target: { type: 'user', id: user.id } });
  }

  /** Ban: the account can no longer log in, and every token it holds dies at once. */
  async setBanned(viewer: Viewer, id: number, banned: boolean, reason?: string) {
    access.require(viewer, 'user.ban');
    // the rule for every caller (REST, admin panel): a ban needs a reason; one error, worded for a form
    if (banned && !validateBan({ reason })) {
      const tooLong = validateBan.errors?.some((e) => e.keyword === 'maxLength');
      throw ValidationError.of([
        tooLong
          ? { field: 'reason', in: 'body', code: 'too_long', message: `The reason may have at most ${banBody.properties.reason.maxLength} characters.` }
          : { field: 'reason', in: 'body', code: 'required', message: 'A reason is required.' },
      ]);
    }
    const user = await this.requireUser(id);
    access.require(viewer, 'user.ban', user);
    const updated = await this.prisma.user.update({
      where: { id },
      data: banned ? { isBanned: true, bannedAt: new Date(), banReason: reason ?? null } : { isBanned: false, bannedAt: null, banReason: null },
      select: publicUserSelect,
    });
    if (banned) await this.requireSessions().revokeAll(id);
    await this.audit.record({ actor: { id: viewer.id }, action: banned ? 'user.banned' : 'user.unbanned', target: { type: 'user', id }, details: reason ? { reason } : null });
    return updated;
  }

  /**
   * Role changes are a superuser's (superusers themselves are made only from the terminal). The member's
   * access tokens die at once, since they carry the old role; a refresh then issues one with the new role.
   */
  async setRole(viewer: Viewer, id: number, role: Exclude<Role, 'superuser'>) {
    access.require(viewer, 'user.setRole');
    if (!validateRole({ role })) throw ValidationError.of(fieldErrors(validateRole.errors, 'body'));
    const user = await this.requireUser(id);
    access.require(viewer, 'user.setRole', user);
    if (user.role === role) return this.prisma.user.findUniqueOrThrow({ where: { id }, select: publicUserSelect });
    const updated = await this.prisma.user.update({ where: { id }, data: { role }, select: publicUserSelect });
    await this.requireSessions().revokeAccessTokens(id);
    await this.audit.record({ actor: { id: viewer.id }, action: 'user.role_changed', target: { type: 'user', id }, details: { from: user.role, to: role } });
    return updated;
  }

  /** The account's standing, for sessions that outlive a request (admin panel): null once closed. */
  standing(id: number) {
    return this.prisma.user.findFirst({ where: { id, deletedAt: null }, select: { id: true, name: true, email: true, role: true, isBanned: true, locale: true } });
  }

  /** Accounts and banned accounts (closed ones not counted), for the admin dashboard. */
  async counts() {
    const [users, banned] = await Promise.all([this.prisma.user.count({ where: { deletedAt: null } }), this.prisma.user.count({ where: { deletedAt: null, isBanned: true } })]);
    return { users, banned };
  }

  /** Staff only: accounts newest first, filtered by name/email, role and ban; keyset pages by id. */
  async list(viewer: Viewer, q: UserListQuery): Promise<Page<PublicUser>> {
    access.require(viewer, 'user.list');
    const after = q.cursor ? decodeIdKey(q.cursor) : undefined;
    const rows = await this.prisma.user.findMany({
      where: {
        deletedAt: null,
        ...(q.q ? { OR: [{ name: { contains: q.q } }, { email: { contains: q.q.toLowerCase() } }] } : {}),
        ...(q.role ? { role: q.role } : {}),
        ...(q.banned !== undefined ? { isBanned: q.banned } : {}),
        ...(after !== undefined ? { id: { lt: after } } : {}),
      },
      orderBy: { id: 'desc' },
      take: q.limit + 1,
      select: publicUserSelect,
    });
    return keysetPage(rows, q.limit, (last) => [last.id]);
  }

  /**
   * An admin changes an account's name or email (an admin's or a superuser's account only by a superuser);
   * the role only a superuser may change (setRole's rules). Taken names and emails are a 409 naming the field.
   */
  async adminUpdate(viewer: Viewer, id: number, patch: AdminUserPatch) {
    access.require(viewer, 'user.update');
    if (!validateAdminPatch(patch)) throw ValidationError.of(fieldErrors(validateAdminPatch.errors, 'body'));
    if (patch.role !== undefined) access.require(viewer, 'user.setRole');
    const user = await this.requireUser(id);
    access.require(viewer, 'user.update', user);
    const email = patch.email?.toLowerCase();
    const data = { ...(patch.name !== undefined && patch.name !== user.name ? { name: patch.name } : {}), ...(email !== undefined && email !== user.email ? { email } : {}) };
    if (data.name || data.email) {
      const clash = await this.prisma.user.findFirst({
        where: { id: { not: id }, OR: [...(data.name ? [{ name: data.name }] : []), ...(data.email ? [{ email: data.email }] : [])] },
        select: { name: true, email: true },
      });
      if (clash) {
        const fields = [...(data.name && clash.name === data.name ? ['name'] : []), ...(data.email && clash.email === data.email ? ['email'] : [])];
        throw new ConflictError('already_exists', `${fields.join(' and ')} already taken`, { fields });
      }
      await this.prisma.user.update({ where: { id }, data }).catch((e: unknown) => {
        throw toAppError(e) ?? e;
      });
      await this.audit.record({ actor: { id: viewer.id }, action: 'user.updated', target: { type: 'user', id }, details: { fields: Object.keys(data) } });
    }
    if (patch.role !== undefined) return this.setRole(viewer, id, patch.role);
    return this.prisma.user.findUniqueOrThrow({ where: { id }, select: publicUserSelect });
  }

  /** Sets exactly the boards the user holds a grant for (staff; the boards service keeps the rules). */
  async setBoards(viewer: Viewer, id: number, boardIds: number[]) {
    access.require(viewer, 'board.manage');
    if (!this.boards) throw new Error('UsersService was built without the boards service');
    await this.requireUser(id);
    return this.boards.setUserGrants(viewer, id, boardIds);
  }

  /** The boards the user may read and write, and why (the board policy decides). */
  async readableBoards(viewer: Viewer) {
    if (!this.boards) throw new Error('UsersService was built without the boards service');
    return (await this.boards.list(viewer)).map(({ id, name, information, isVisible, isAvailable, access }) => ({ id, name, information, isVisible, isAvailable, access }));
  }

  /**
   * Creates an account after checking the account rules. Emails are stored lower-case. A taken name or
   * email is a ConflictError naming the field (also when another request wins the race to the insert).
   */
  async create(input: NewUser, role: Role = 'user', createdBy?: { id: number; name?: string } | null) {
    if (!validateNewUser(input)) throw ValidationError.of(fieldErrors(validateNewUser.errors, 'body'));
    const name = input.name;
    const email = input.email.toLowerCase();
    const taken = await this.prisma.user.findFirst({ where: { OR: [{ name }, { email }] }, select: { name: true, email: true } });
    if (taken) {
      const fields = [...(taken.name === name ? ['name'] : []), ...(taken.email === email ? ['email'] : [])];
      throw new ConflictError('already_exists', `${fields.join(' and ')} already taken`, { fields });
    }
    const passwordHash = await this.passwords.hash(input.password);
    try {
      const user = await this.prisma.user.create({ data: { name, email, passwordHash, role }, select: publicUserSelect });
      await this.audit.record({ actor: createdBy ?? { id: user.id, name: user.name }, action: role === 'user' ? 'user.signup' : `user.created.${role}`, target: { type: 'user', id: user.id } });
      return user;
    } catch (e) {
      throw toAppError(e) ?? e;
    }
  }
}
