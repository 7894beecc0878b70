// Sessions: short-lived access tokens (JWT) that can be revoked through Redis, and long-lived opaque refresh
// tokens (stored hashed in RefreshSession) that rotate on every use, with reuse detection per family.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config.js';
import { UnauthenticatedError } from '../errors.js';
import { prefixedChannel, redisChannels, redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import type { Role } from '../users/schemas.js';
import type { Viewer } from '../access/index.js';

/** An access token as the guards see it: the viewer it speaks for, and what identifies the token itself. */
export interface Principal extends Viewer {
  jti: string;
  /** Refresh family (login) the token descends from. */
  sid: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  jti: string;
  sid: string;
  iat: number;
  exp: number;
}

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
}

export interface ClientMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const randomToken = () => crypto.randomBytes(32).toString('base64url');

export class Sessions {
  constructor(
    private readonly prisma: Db,
    private readonly redis: Redis,
    private readonly config: Pick<Config, 'jwtSecret' | 'auth' | 'redisPrefix'>,
  ) {}

  /**
   * An access token. `iat` keeps millisecond precision (NumericDate may be fractional, RFC 7519 §2) so a
   * revocation epoch set in the same second still separates older tokens from newer ones.
   */
  signAccessToken(user: { id: number; role: Role }, sid: string): { token: string; expiresIn: number; claims: AccessTokenClaims } {
    const iat = Date.now() / 1000;
    const expiresIn = this.config.auth.accessTokenTtlSeconds;
    const claims: AccessTokenClaims = { sub: String(user.id), role: user.role, jti: crypto.randomUUID(), sid, iat, exp: Math.floor(iat + expiresIn) };
    return { token: jwt.sign(claims, this.config.jwtSecret, { algorithm: 'HS256' }), expiresIn, claims };
  }

  /** Blacklist, epoch and the login's revocation in one round trip. */
  async isRevoked(claims: RevocationClaims): Promise<boolean> {
    return (await this.areRevoked([claims]))[0];
  }

  /** isRevoked for many tokens at once, in one round trip (one MGET of three keys per token). */
  async areRevoked(list: readonly RevocationClaims[]): Promise<boolean[]> {
    if (!list.length) return [];
    const values = await this.redis.mget(list.flatMap((c) => [redisKeys.accessBlacklist(c.jti), redisKeys.revocationEpoch(Number(c.sub)), redisKeys.revokedLogin(c.sid)]));
    return list.map((c, i) => {
      const [blacklisted, epoch, loginRevoked] = values.slice(i * 3, i * 3 + 3);
      return blacklisted !== null || loginRevoked !== null || (epoch !== null && c.iat * 1000 < Number(epoch));
    });
  }

  /** Logout of one access token: dead until it would have expired. */
  async blacklist(principal: Pick<Principal, 'jti' | 'exp'>): Promise<void> {
    const ttl = Math.max(1, Math.ceil(principal.exp - Date.now() / 1000));
    await this.redis.set(redisKeys.accessBlacklist(principal.jti), '1', 'EX', ttl);
  }

  /**
   * Every access token of the user issued until now dies (their refresh tokens still work), and every chat
   * replica closes the user's open sockets (they were opened with such a token's ticket).
   */
  async revokeAccessTokens(userId: number): Promise<void> {
    await this.redis.set(redisKeys.revocationEpoch(userId), String(Date.now()), 'EX', redisTtl.epochSeconds(this.config.auth.accessTokenTtlSeconds));
    await this.redis.publish(prefixedChannel(this.config.redisPrefix, redisChannels.chatRevocations()), String(userId));
  }

  /** Every access token of the user issued until now dies, and every refresh session is revoked. */
  async revokeAll(userId: number): Promise<void> {
    await this.revokeAccessTokens(userId);
    await this.prisma.refreshSession.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  /** Ends one login (logout, refresh-token reuse): its refresh tokens and, at once, every access token carrying its sid. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.redis.set(redisKeys.revokedLogin(familyId), '1', 'EX', redisTtl.epochSeconds(this.config.auth.accessTokenTtlSeconds));
    await this.prisma.refreshSession.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  /** A new login: a new refresh family and its first access token. */
  async start(user: { id: number; role: Role }, meta: ClientMeta): Promise<IssuedTokens> {
    const familyId = crypto.randomUUID();
    const refreshToken = randomToken();
    const expiresAt = new Date(Date.now() + this.config.auth.refreshAbsoluteTtlSeconds * 1000);
    await this.prisma.refreshSession.create({
      data: { userId: user.id, familyId, tokenHash: sha256(refreshToken), expiresAt, userAgent: meta.userAgent?.slice(0, 256) ?? null, ip: meta.ip ?? null },
    });
    const access = this.signAccessToken(user, familyId);
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken, refreshExpiresAt: expiresAt };
  }

  /**
   * Rotates a refresh token: the presented one is spent and a successor issued. A spent token presented
   * again is reuse (a stolen copy, or the legitimate client after a thief rotated it): the whole family is
   * revoked — except within the grace window right after rotation, where the same successor is returned so
   * that two tabs refreshing at once do not log the user out.
   */
  async rotate(refreshToken: string, meta: ClientMeta, onReuse: (s: { userId: number; familyId: string }) => Promise<void>): Promise<IssuedTokens & { userId: number }> {
    const hash = sha256(refreshToken);
    const session = await this.prisma.refreshSession.findUnique({ where: { tokenHash: hash }, include: { user: { select: { id: true, role: true, isBanned: true, deletedAt: true } } } });
    const now = Date.now();
    if (!session || session.revokedAt) throw new UnauthenticatedError('refresh_invalid', 'The refresh token is not valid; log in again.');
    if (session.user.isBanned || session.user.deletedAt) throw new UnauthenticatedError('refresh_invalid', 'The refresh token is not valid; log in again.');
    if (session.expiresAt.getTime() <= now || session.lastUsedAt.getTime() + this.config.auth.refreshIdleTtlSeconds * 1000 <= now) {
      throw new UnauthenticatedError('refresh_expired', 'The session has expired; log in again.');
    }
    const user = { id: session.user.id, role: session.user.role };
    if (session.rotatedAt) return this.reused(session, user, hash, now, onReuse);

    const successor = randomToken();
    const claimed = await this.prisma.$transaction(async (tx) => {
      const spent = await tx.refreshSession.updateMany({ where: { id: session.id, rotatedAt: null, revokedAt: null }, data: { rotatedAt: new Date(now) } });
      if (spent.count !== 1) return false;
      const next = await tx.refreshSession.create({
        data: { userId: user.id, familyId: session.familyId, tokenHash: sha256(successor), expiresAt: session.expiresAt, userAgent: meta.userAgent?.slice(0, 256) ?? null, ip: meta.ip ?? null },
      });
      await tx.refreshSession.update({ where: { id: session.id }, data: { replacedById: next.id } });
      return true;
    });
    if (!claimed) {
      // another request rotated it a moment ago: that is the concurrent-refresh case
      const fresh = await this.prisma.refreshSession.findUniqueOrThrow({ where: { id: session.id } });
      return this.reused(fresh, user, hash, now, onReuse);
    }
    const grace = this.config.auth.refreshReuseGraceSeconds;
    if (grace > 0) await this.redis.set(redisKeys.refreshSuccessor(hash), successor, 'EX', grace);
    const access = this.signAccessToken(user, session.familyId);
    return { userId: user.id, accessToken: access.token, expiresIn: access.expiresIn, refreshToken: successor, refreshExpiresAt: session.expiresAt };
  }

  private async reused(
    session: { id: number; familyId: string; rotatedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
    user: { id: number; role: Role },
    hash: string,
    now: number,
    onReuse: (s: { userId: number; familyId: string }) => Promise<void>,
  ): Promise<IssuedTokens & { userId: number }> {
    const graceMs = this.config.auth.refreshReuseGraceSeconds * 1000;
    if (!session.revokedAt && session.rotatedAt && now - session.rotatedAt.getTime() < graceMs) {
      // the rotating request may still be writing its successor: wait for it briefly
      for (let i = 0; i < 20; i++) {
        const successor = await this.redis.get(redisKeys.refreshSuccessor(hash));
        if (successor) {
          const access = this.signAccessToken(user, session.familyId);
          return { userId: user.id, accessToken: access.token, expiresIn: access.expiresIn, refreshToken: successor, refreshExpiresAt: session.expiresAt };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await this.revokeFamily(session.familyId);
    await this.redis.del(redisKeys.refreshSuccessor(hash));
    await onReuse({ userId: user.id, familyId: session.familyId });
    throw new UnauthenticatedError('refresh_reuse_detected', 'This refresh token was already used; every session of this login has been revoked.');
  }

  /**
   * A single-use ticket for the chat server's WebSocket upgrade. It records the access token it was issued to
   * and when, so that whatever revokes that token (logout, logout-all, password change) also revokes the
   * ticket while it is unused (WsTicket, checked with isRevoked at the upgrade).
   */
  async issueWsTicket(principal: Pick<Principal, 'id' | 'jti' | 'sid'>): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = randomToken();
    const value: WsTicket = { userId: principal.id, jti: principal.jti, sid: principal.sid, issuedAt: Date.now() };
    await this.redis.set(redisKeys.wsTicket(ticket), JSON.stringify(value), 'EX', redisTtl.wsTicketSeconds);
    return { ticket, expiresIn: redisTtl.wsTicketSeconds };
  }

  /** Consumes a ticket atomically (GETDEL): what it was issued to, or null when unknown, expired or already used. */
  async consumeWsTicket(ticket: string): Promise<WsTicket | null> {
    return (await this.consumeWsTickets([ticket]))[0];
  }

  /**
   * consumeWsTicket for many tickets in one round trip: one script runs GETDEL on each (each ticket is still consumed
   * atomically, once; the script only saves the round trips of a reconnect storm).
   */
  async consumeWsTickets(tickets: readonly string[]): Promise<(WsTicket | null)[]> {
    const valid = tickets.filter((t) => WS_TICKET_FORMAT.test(t));
    const raws = valid.length ? ((await this.redis.eval(GETDEL_EACH, valid.length, ...valid.map((t) => redisKeys.wsTicket(t)))) as (string | null)[]) : [];
    const byTicket = new Map<string, string | null>();
    valid.forEach((t, i) => byTicket.set(t, byTicket.get(t) ?? raws[i] ?? null));
    return tickets.map((t) => {
      const raw = byTicket.get(t) ?? null;
      // the same ticket twice in one batch: the first use only
      byTicket.delete(t);
      if (raw === null) return null;
      // a bare user id: a ticket issued by a process that records nothing else (it dies with any revocation epoch)
      if (/^\d+$/.test(raw)) return { userId: Number(raw), jti: '', sid: '', issuedAt: 0 };
      return JSON.parse(raw) as WsTicket;
    });
  }
}

/** What a revocation check needs of an access token (or of the token a chat ticket was issued to). */
export type RevocationClaims = Pick<AccessTokenClaims, 'jti' | 'sub' | 'iat' | 'sid'>;

const WS_TICKET_FORMAT = /^[A-Za-z0-9_-]{20,100}$/;
// KEYS: ticket keys. GETDEL of each (false, a nil reply, for an unknown one), in one call.
const GETDEL_EACH = `local out = {}
for i = 1, #KEYS do out[i] = redis.call('GETDEL', KEYS[i]) end
return out`;

/** What a chat ticket was issued to: the user, the access token (`jti`, login `sid`) and the time (ms). */
export interface WsTicket {
  userId: number;
  jti: string;
  sid: string;
  issuedAt: number;
}
