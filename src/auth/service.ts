// Login, refresh, logout and password reset: the rules of the member API's front door (and the admin
// panel's sign-in, which uses the same password check and limits).
import crypto from 'node:crypto';
import type { User } from '@prisma/client';
import type { AuditLog } from '../audit/service.js';
import type { Config } from '../config.js';
import { InvalidInputError, ForbiddenError, NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError, type AppError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from '../platform/mail.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { AttemptLimiter, loginCounters } from './limiter.js';
import { PasswordHashingBusyError, type Passwords } from './passwords.js';
import { sha256, type ClientMeta, type IssuedTokens, type Principal, type Sessions } from './sessions.js';
import { compile, fieldErrors } from '../http/schema.js';
import { access, type Viewer } from '../access/index.js';
import { passwordResetConfirmBody } from './schemas.js';

export interface LoginInput {
  name?: string;
  email?: string;
  password: string;
}

export interface RequestContext extends ClientMeta {
  requestId?: string | null;
}

export type SignedInUser = Omit<User, 'passwordHash'>;

export interface SignInCheck {
  /** The open account, when the password is right (banned or not, whatever its role). */
  user: SignedInUser | null;
  /** The open account the login names, right password or not. */
  known: { id: number; name: string } | null;
  /** Not checked: a login limit is full (429) or no hashing slot freed up in time (503). */
  refused?: AppError;
}

export interface AuthDeps {
  prisma: Db;
  redis: Redis;
  sessions: Sessions;
  passwords: Passwords;
  audit: AuditLog;
  mailer: Mailer;
  logger: Logger;
  config: Pick<Config, 'publicUrl' | 'auth' | 'jwtSecret'>;
}

const validateResetConfirm = compile(passwordResetConfirmBody, false);

export class AuthService {
  private readonly limiter: AttemptLimiter;
  /** Work done after the response (reset mails): awaited by idle(). */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: AuthDeps) {
    this.limiter = new AttemptLimiter(deps.redis, deps.config.auth.loginRateWindowSeconds);
  }

  /**
   * The one sign-in check (API and admin panel): counts the attempt against the login limits, then verifies
   * the password with the same work whether the account exists or not.
   */
  async checkSignIn(login: { name?: string; email?: string }, password: string, meta: RequestContext): Promise<SignInCheck> {
    const where = login.name !== undefined ? { name: login.name } : login.email !== undefined ? { email: login.email.toLowerCase() } : null;
    const user = where && (await this.deps.prisma.user.findUnique({ where }));
    const active = user && !user.deletedAt ? user : null;
    const known = active ? { id: active.id, name: active.name } : null;
    // one counter per account, whether the attempt names it by name or by email
    const account = user ? `account:${user.id}` : `unknown:${(login.name ?? login.email ?? '').toLowerCase()}`;
    let attempt;
    try {
      attempt = await this.limiter.attempt(loginCounters(this.deps.config.auth, account, meta.ip ?? null));
    } catch (e) {
      if (e instanceof RateLimitedError) return { user: null, known, refused: e };
      throw e;
    }
    let ok: boolean;
    try {
      ok = await this.deps.passwords.check(active?.passwordHash, password);
    } catch (e) {
      await attempt.succeeded(); // not checked: not a guess
      if (e instanceof PasswordHashingBusyError) return { user: null, known, refused: e };
      throw e;
    }
    if (!ok || !active) return { user: null, known };
    await attempt.succeeded();
    const { passwordHash: _hash, ...rest } = active;
    return { user: rest, known };
  }

  /**
   * What the audit log keeps of a failed login: the login string when it names an open account; otherwise
   * only a keyed hash (a password typed into the name field must not land in the log), which still tells
   * repeated attempts with the same string apart from others.
   */
  loginForAudit(login: string, known: boolean): { login: string } | { loginHash: string } {
    if (known) return { login };
    return { loginHash: crypto.createHmac('sha256', this.deps.config.jwtSecret).update(`audit-login:${login}`).digest('hex').slice(0, 32) };
  }

  /**
   * Unknown account and wrong password answer the same 401 after the same work (an argon2 verification
   * either way). Banned accounts are told so only once the password proved who is asking.
   */
  async login(input: LoginInput, meta: RequestContext): Promise<IssuedTokens> {
    const { audit, sessions } = this.deps;
    const { user, known, refused } = await this.checkSignIn(input.name !== undefined ? { name: input.name } : { email: input.email }, input.password, meta);
    if (refused) throw refused;
    if (!user) {
      await audit.record({ actor: known, action: 'login.failed', ip: meta.ip, requestId: meta.requestId, details: this.loginForAudit(input.name ?? input.email ?? '', known !== null) });
      throw new UnauthenticatedError('invalid_credentials', 'The name/email or the password is wrong.');
    }
    if (user.isBanned) {
      await audit.record({ actor: { id: user.id, name: user.name }, action: 'login.banned', ip: meta.ip, requestId: meta.requestId });
      throw new ForbiddenError('user_banned', 'This account is banned.');
    }
    const tokens = await sessions.start(user, meta);
    await audit.record({ actor: { id: user.id, name: user.name }, action: 'login.ok', ip: meta.ip, requestId: meta.requestId });
    return tokens;
  }

  async refresh(refreshToken: string | undefined, meta: RequestContext): Promise<IssuedTokens> {
    if (!refreshToken) throw new UnauthenticatedError('refresh_missing', 'No refresh token cookie was sent.');
    return this.deps.sessions.rotate(refreshToken, meta, async ({ userId, familyId }) => {
      this.deps.logger.warn({ userId, familyId }, 'refresh token reuse detected: the login is revoked');
      await this.deps.audit.record({ actor: { id: userId }, action: 'refresh.reuse_detected', target: { type: 'refresh_family', id: familyId }, ip: meta.ip, requestId: meta.requestId });
    });
  }

  /** Ends this login: its refresh tokens and every access token it issued. */
  async logout(principal: Principal, meta: RequestContext): Promise<void> {
    await this.deps.sessions.blacklist(principal);
    await this.deps.sessions.revokeFamily(principal.sid);
    await this.deps.audit.record({ actor: { id: principal.id }, action: 'logout', ip: meta.ip, requestId: meta.requestId });
  }

  async logoutAll(principal: Principal, meta: RequestContext): Promise<void> {
    await this.deps.sessions.revokeAll(principal.id);
    await this.deps.audit.record({ actor: { id: principal.id }, action: 'logout.all', ip: meta.ip, requestId: meta.requestId });
  }

  /**
   * Always succeeds from the caller's point of view, after the same work whether the address has an account
   * or not (none): the lookup, the token and the mail are scheduled for after the response.
   */
  requestPasswordReset(email: string, meta: RequestContext): Promise<void> {
    this.later('password reset request could not be processed', async () => {
      const user = await this.deps.prisma.user.findUnique({ where: { email: email.toLowerCase() } });
      if (!user || user.deletedAt) return;
      const token = await this.createResetToken(user, meta, null);
      await this.mailReset(user, token);
    });
    return Promise.resolve();
  }

  /** Staff send a member the reset mail (they never see the token). */
  async forcePasswordReset(viewer: Viewer, userId: number, meta: RequestContext): Promise<void> {
    access.require(viewer, 'user.forcePasswordReset');
    const user = await this.deps.prisma.user.findUnique({ where: { id: userId } });
    if (!user || user.deletedAt) throw new NotFoundError('not_found', 'No such user.');
    access.require(viewer, 'user.forcePasswordReset', user);
    const token = await this.createResetToken(user, meta, { id: viewer.id });
    this.later('password reset mail could not be sent', () => this.mailReset(user, token));
  }

  private async createResetToken(user: User, meta: RequestContext, actor: { id: number } | null): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.deps.config.auth.passwordResetTtlSeconds * 1000);
    await this.deps.prisma.passwordResetToken.create({ data: { userId: user.id, tokenHash: sha256(token), expiresAt } });
    await this.deps.audit.record({
      actor: actor ?? { id: user.id, name: user.name },
      action: actor ? 'password.reset_forced' : 'password.reset_requested',
      target: { type: 'user', id: user.id },
      ip: meta.ip,
      requestId: meta.requestId,
    });
    return token;
  }

  private mailReset(user: User, token: string): Promise<void> {
    const { publicUrl, auth } = this.deps.config;
    const minutes = Math.round(auth.passwordResetTtlSeconds / 60);
    return this.deps.mailer.send({
      to: user.email,
      subject: 'Reset your Agora password',
      text:
        `Hello ${user.name},\n\nTo choose a new password, open this link within ${minutes} minutes:\n\n` +
        `${publicUrl}/reset-password?token=${token}\n\nor send this token to POST /api/v1/auth/password-reset/confirm:\n\n${token}\n\n` +
        'If you did not ask for this, ignore this message.\n',
    });
  }

  /** A new password from a reset token; the token and every other outstanding one of the account are spent. */
  async confirmPasswordReset(token: string, password: string, meta: RequestContext): Promise<void> {
    const { prisma, sessions, passwords, audit } = this.deps;
    if (!validateResetConfirm({ token, password })) throw ValidationError.of(fieldErrors(validateResetConfirm.errors, 'body'));
    const invalid = () =>
      new InvalidInputError('invalid_reset_token', 'The reset token is invalid, expired or already used.', {
        errors: [{ field: 'token', in: 'body', code: 'invalid', message: 'token is invalid, expired or already used' }],
      });
    const row = await prisma.passwordResetToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now()) throw invalid();
    const passwordHash = await passwords.hash(password);
    const spent = await prisma.$transaction(async (tx) => {
      const now = new Date();
      const r = await tx.passwordResetToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
      if (r.count !== 1) return false;
      await tx.passwordResetToken.updateMany({ where: { userId: row.userId, usedAt: null }, data: { usedAt: now } });
      await tx.user.update({ where: { id: row.userId }, data: { passwordHash } });
      return true;
    });
    if (!spent) throw invalid();
    await sessions.revokeAll(row.userId);
    await audit.record({ actor: { id: row.userId }, action: 'password.reset', target: { type: 'user', id: row.userId }, ip: meta.ip, requestId: meta.requestId });
  }

  issueWsTicket(principal: Principal) {
    return this.deps.sessions.issueWsTicket(principal);
  }

  /** Resolves once the work scheduled after responses (reset mails) is done; shutdown waits for it. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private later(failure: string, task: () => Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((err: unknown) => this.deps.logger.error({ err }, failure))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}
