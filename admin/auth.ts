// Sign-in to the admin panel: only admin and superuser accounts, the same argon2 hashes as the API, attempts
// rate-limited in Redis (per client address, and failures per account, shared by every replica) and audited
// (`admin.login`, `admin.login_failed` with the reason).
import type { Context } from '../src/context.js';
import { redisKeys } from '../src/platform/keys.js';
import { isStaffRole } from '../src/users/schemas.js';
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

  /** Counts one attempt in a fixed window; the new count and the seconds left in the window. */
  private async hit(key: string): Promise<{ count: number; ttl: number }> {
    const window = this.ctx.config.auth.loginRateWindowSeconds;
    const [[, count], , [, ttl]] = (await this.ctx.redis.multi().incr(key).expire(key, window, 'NX').ttl(key).exec()) as [[unknown, number], unknown, [unknown, number]];
    return { count, ttl: ttl > 0 ? ttl : window };
  }

  private async failuresOf(account: string): Promise<{ count: number; ttl: number }> {
    const key = redisKeys.adminLoginAccount(account);
    const [[, count], [, ttl]] = (await this.ctx.redis.multi().get(key).ttl(key).exec()) as [[unknown, string | null], [unknown, number]];
    return { count: Number(count ?? 0), ttl: ttl > 0 ? ttl : this.ctx.config.auth.loginRateWindowSeconds };
  }

  /**
   * The operator for a name (or email) and password, or an AdminLoginError. A member, an unknown account
   * and a wrong password all read "invalid credentials" on the page; the audit event says which.
   */
  async login(login: string, password: string, meta: LoginMeta): Promise<AdminUser> {
    const { auth } = this.ctx.config;
    const name = login.trim().slice(0, 256);
    // the account's counter, whether the attempt names it by name or by email (as for API logins)
    const account = (await this.ctx.services.auth.accountKey(name.includes('@') ? { email: name } : { name })) ?? 'none';
    const fail = async (reason: LoginFailure, actor: { id: number; name?: string } | null, retryAfter?: number) => {
      await this.ctx.audit.record({ actor, action: 'admin.login_failed', ip: meta.ip, requestId: meta.requestId, details: { login: login.slice(0, 256), reason } });
      return new AdminLoginError(reason, retryAfter);
    };
    const perIp = await this.hit(redisKeys.adminLoginIp(meta.ip ?? 'unknown'));
    if (perIp.count > auth.loginRateLimitPerIp) throw await fail('rate_limited', null, perIp.ttl);
    const failures = await this.failuresOf(account);
    if (failures.count >= auth.loginRateLimitPerAccount) throw await fail('rate_limited', null, failures.ttl);

    const { user, known } = await this.ctx.services.users.checkCredentials(name, password);
    if (!user || !isStaffRole(user.role) || user.isBanned) {
      await this.hit(redisKeys.adminLoginAccount(account));
      throw await fail(!user ? 'invalid_credentials' : user.isBanned ? 'banned' : 'not_staff', known);
    }
    await this.ctx.audit.record({ actor: { id: user.id, name: user.name }, action: 'admin.login', ip: meta.ip, requestId: meta.requestId });
    return { id: user.id, email: user.email, title: user.name, role: user.role, loginAt: Date.now() };
  }

  /**
   * Whether a session's operator still may use the panel: not banned or closed, still staff, and no
   * revocation (ban, role or password change, logout-all) since the sign-in. The role is re-read, so a
   * promotion or demotion between admin and superuser applies at once.
   */
  async stillValid(admin: AdminUser): Promise<AdminUser | null> {
    const [epoch, standing] = await Promise.all([this.ctx.redis.get(redisKeys.revocationEpoch(admin.id)), this.ctx.services.users.standing(admin.id)]);
    if (!standing || standing.isBanned || !isStaffRole(standing.role)) return null;
    if (epoch !== null && Number(epoch) > admin.loginAt) return null;
    return { ...admin, role: standing.role, email: standing.email, title: standing.name };
  }

  async logout(admin: AdminUser, meta: LoginMeta): Promise<void> {
    await this.ctx.audit.record({ actor: { id: admin.id }, action: 'admin.logout', ip: meta.ip, requestId: meta.requestId });
  }
}
