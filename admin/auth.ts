// Sign-in to the admin panel: only admin and superuser accounts, through the same password check and login
// limits as the API (AuthService.checkSignIn: per client address, per account and address, per account),
// audited (`admin.login`, `admin.login_failed` with the reason).
import type { Context } from '../src/context.js';
import { redisKeys } from '../src/platform/keys.js';
import { access } from '../src/access/index.js';
import type { AdminUser } from './services.js';

export type LoginFailure = 'invalid_credentials' | 'not_staff' | 'banned' | 'rate_limited';

export class AdminLoginError extends Error {
  constructor(
    readonly reason: LoginFailure,
    /** Seconds until another attempt may succeed (rate_limited only). */
    readonly retryAfter?: number,
  ) {
    super(reason === 'rate_limited' ? 'tooManyRequests' : 'invalidCredentials');
    this.name = 'AdminLoginError';
  }
}

export interface LoginMeta {
  ip: string | null;
  requestId: string | null;
}

export class AdminAuth {
  constructor(private readonly ctx: Context) {}

  /**
   * The operator for a name (or email) and password, or an AdminLoginError. A member, an unknown account
   * and a wrong password all read "invalid credentials" on the page; the audit event says which. A full
   * login limit, or no free password-hashing slot, reads "too many requests" with Retry-After.
   */
  async login(login: string, password: string, meta: LoginMeta): Promise<AdminUser> {
    const { auth } = this.ctx.services;
    const name = login.trim().slice(0, 256);
    const fail = async (reason: LoginFailure, known: { id: number; name: string } | null, retryAfter?: number) => {
      await this.ctx.audit.record({ actor: known, action: 'admin.login_failed', ip: meta.ip, requestId: meta.requestId, details: { ...auth.loginForAudit(name, known !== null), reason } });
      return new AdminLoginError(reason, retryAfter);
    };
    const { user, known, refused } = await auth.checkSignIn(name.includes('@') ? { email: name } : { name }, password, meta);
    if (refused) throw await fail('rate_limited', known, refused.retryAfter ?? 1);
    if (!user || !access.can(user, 'admin.signIn') || user.isBanned) throw await fail(!user ? 'invalid_credentials' : user.isBanned ? 'banned' : 'not_staff', known);
    await this.ctx.audit.record({ actor: { id: user.id, name: user.name }, action: 'admin.login', ip: meta.ip, requestId: meta.requestId });
    return { id: user.id, email: user.email, title: user.name, role: user.role, locale: user.locale, loginAt: Date.now() };
  }

  /**
   * Whether a session's operator still may use the panel: not banned or closed, still staff, and no
   * revocation (ban, role or password change, logout-all) since the sign-in. The role is re-read, so a
   * promotion or demotion between admin and superuser applies at once.
   */
  async stillValid(admin: AdminUser): Promise<AdminUser | null> {
    const [epoch, standing] = await Promise.all([this.ctx.redis.get(redisKeys.revocationEpoch(admin.id)), this.ctx.services.users.standing(admin.id)]);
    if (!standing || standing.isBanned || !access.can(standing, 'admin.signIn')) return null;
    if (epoch !== null && Number(epoch) > admin.loginAt) return null;
    return { ...admin, role: standing.role, email: standing.email, title: standing.name, locale: standing.locale };
  }

  async logout(admin: AdminUser, meta: LoginMeta): Promise<void> {
    await this.ctx.audit.record({ actor: { id: admin.id }, action: 'admin.logout', ip: meta.ip, requestId: meta.requestId });
  }
}
