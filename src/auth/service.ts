// Login, refresh, logout and password reset: the rules of the member API's front door.
import crypto from 'node:crypto';
import type { AuditLog } from '../audit/service.js';
import type { Config } from '../config.js';
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../http/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from '../platform/mail.js';
import type { Db } from '../platform/prisma.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { sha256, type ClientMeta, type IssuedTokens, type Principal, type Sessions } from './sessions.js';
import { compile, fieldErrors } from '../http/schema.js';
import { passwordSchema } from '../users/schemas.js';

export interface LoginInput {
  name?: string;
  email?: string;
  password: string;
}

export interface RequestContext extends ClientMeta {
  requestId?: string | null;
}

const validatePassword = compile(passwordSchema, false);

export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly prisma: Db,
    private readonly sessions: Sessions,
    private readonly audit: AuditLog,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    private readonly config: Pick<Config, 'publicUrl' | 'auth'>,
  ) {}

  /** The rate-limit identity of a login attempt: the account it names (by name or email), or the name given. */
  async accountKey(body: { name?: unknown; email?: unknown } | undefined): Promise<string | null> {
    const name = typeof body?.name === 'string' ? body.name : null;
    const email = typeof body?.email === 'string' ? body.email.toLowerCase() : null;
    if (!name && !email) return null;
    const user = await this.prisma.user.findUnique({ where: name ? { name } : { email: email! }, select: { id: true } });
    return user ? `account:${user.id}` : `unknown:${(name ?? email)!.toLowerCase()}`;
  }

  /**
   * Unknown account and wrong password answer the same 401 after the same work (an argon2 verification
   * either way). Banned accounts are told so only once the password proved who is asking.
   */
  async login(input: LoginInput, meta: RequestContext): Promise<IssuedTokens> {
    const user = input.name
      ? await this.prisma.user.findUnique({ where: { name: input.name } })
      : input.email
        ? await this.prisma.user.findUnique({ where: { email: input.email.toLowerCase() } })
        : null;
    const active = user && !user.deletedAt ? user : null;
    const ok = await verifyPassword(active?.passwordHash ?? (await (this.dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex')))), input.password);
    if (!active || !ok) {
      await this.audit.record({ actor: active ? { id: active.id, name: active.name } : null, action: 'login.failed', ip: meta.ip, requestId: meta.requestId, details: { login: input.name ?? input.email } });
      throw new UnauthorizedError('invalid_credentials', 'The name/email or the password is wrong.');
    }
    if (active.isBanned) {
      await this.audit.record({ actor: { id: active.id, name: active.name }, action: 'login.banned', ip: meta.ip, requestId: meta.requestId });
      throw new ForbiddenError('user_banned', 'This account is banned.');
    }
    const tokens = await this.sessions.start(active, meta);
    await this.audit.record({ actor: { id: active.id, name: active.name }, action: 'login.ok', ip: meta.ip, requestId: meta.requestId });
    return tokens;
  }

  async refresh(refreshToken: string | undefined, meta: RequestContext): Promise<IssuedTokens> {
    if (!refreshToken) throw new UnauthorizedError('refresh_missing', 'No refresh token cookie was sent.');
    return this.sessions.rotate(refreshToken, meta, async ({ userId, familyId }) => {
      this.logger.warn({ userId, familyId }, 'refresh token reuse detected: family revoked');
      await this.audit.record({ actor: { id: userId }, action: 'refresh.reuse_detected', target: { type: 'refresh_family', id: familyId }, ip: meta.ip, requestId: meta.requestId });
    });
  }

  async logout(principal: Principal, meta: RequestContext): Promise<void> {
    await this.sessions.blacklist(principal);
    await this.sessions.revokeFamily(principal.sid);
    await this.audit.record({ actor: { id: principal.id }, action: 'logout', ip: meta.ip, requestId: meta.requestId });
  }

  async logoutAll(principal: Principal, meta: RequestContext): Promise<void> {
    await this.sessions.revokeAll(principal.id);
    await this.audit.record({ actor: { id: principal.id }, action: 'logout.all', ip: meta.ip, requestId: meta.requestId });
  }

  /** Always succeeds from the caller's point of view: whether the address has an account is never revealed. */
  async requestPasswordReset(email: string, meta: RequestContext, actor?: { id: number } | null): Promise<void> {
    const user = await this.prisma.user.findUnique({ where: { email: email.toLowerCase() } });
    if (!user || user.deletedAt) return;
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.passwordResetTtlSeconds * 1000);
    await this.prisma.passwordResetToken.create({ data: { userId: user.id, tokenHash: sha256(token), expiresAt } });
    await this.audit.record({ actor: actor ?? { id: user.id, name: user.name }, action: actor ? 'password.reset_forced' : 'password.reset_requested', target: { type: 'user', id: user.id }, ip: meta.ip, requestId: meta.requestId });
    const minutes = Math.round(this.config.auth.passwordResetTtlSeconds / 60);
    // sent in the background: the answer must not take longer when the account exists
    this.mailer
      .send({
        to: user.email,
        subject: 'Reset your Agora password',
        text:
          `Hello ${user.name},\n\nTo choose a new password, open this link within ${minutes} minutes:\n\n` +
          `${this.config.publicUrl}/reset-password?token=${token}\n\nor send this token to POST /api/v1/auth/password-reset/confirm:\n\n${token}\n\n` +
          'If you did not ask for this, ignore this message.\n',
      })
      .catch((err: unknown) => this.logger.error({ err, userId: user.id }, 'password reset mail could not be sent'));
  }

  /** An admin sends a member the reset mail (the admin never sees the token). */
  async forcePasswordReset(actor: Principal, userId: number, meta: RequestContext): Promise<void> {
    const user = await this.prisma.user.findUnique({ where: { id: userId }, select: { email: true, deletedAt: true } });
    if (!user || user.deletedAt) throw new NotFoundError('No such user.');
    await this.requestPasswordReset(user.email, meta, { id: actor.id });
  }

  async confirmPasswordReset(token: string, password: string, meta: RequestContext): Promise<void> {
    if (!validatePassword(password)) throw new ValidationError(fieldErrors(validatePassword.errors, 'body').map((e) => ({ ...e, field: 'password', message: `password ${e.message.replace(/^the body /, '')}` })));
    const invalid = () => new AppError(400, 'invalid_reset_token', 'The reset token is invalid, expired or already used.', { errors: [{ field: 'token', in: 'body', code: 'invalid', message: 'token is invalid, expired or already used' }] });
    const row = await this.prisma.passwordResetToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now()) throw invalid();
    const passwordHash = await hashPassword(password);
    const spent = await this.prisma.$transaction(async (tx) => {
      const r = await tx.passwordResetToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date() } });
      if (r.count !== 1) return false;
      await tx.user.update({ where: { id: row.userId }, data: { passwordHash } });
      return true;
    });
    if (!spent) throw invalid();
    await this.sessions.revokeAll(row.userId);
    await this.audit.record({ actor: { id: row.userId }, action: 'password.reset', target: { type: 'user', id: row.userId }, ip: meta.ip, requestId: meta.requestId });
  }

  issueWsTicket(principal: Principal) {
    return this.sessions.issueWsTicket(principal);
  }
}
