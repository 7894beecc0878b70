// passport-jwt verifies the signature and expiry; Agora requires the expiry and adds the revocation checks
// (blacklisted jti, revocation epoch, revoked login) in one Redis round trip, on every request. A token verified
// once is remembered by its text (bounded), so only its expiry and revocation are checked when it comes again. Guards say who is signed in and
// turn every failure into a 401 problem; what the viewer may do is the services' (src/access/).
import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler } from 'express';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { UnauthenticatedError } from '../errors.js';
import { setLogContext } from '../platform/log-context.js';
import type { AccessTokenClaims, Principal, Sessions } from './sessions.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport puts the verified principal on req.user
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Principal {}
  }
}

export interface Guards {
  /** The request must carry a valid, unrevoked access token. */
  requireAuth: RequestHandler;
  /** requireAuth when a token is sent; without one, anonymous when `anonymousAllowed`, else 401. */
  readAuth(anonymousAllowed: boolean): RequestHandler;
}

/** How many verified access tokens a process remembers (a few hundred bytes each). */
const VERIFIED_TOKENS = 10_000;

/**
 * Access tokens whose signature and claims were verified, by their exact text, so that a token sent again is
 * not parsed and HMAC'd again: only its expiry is checked again. Revocation is never cached (it is read from
 * Redis on every request). Bounded: the oldest entry goes first.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, AccessTokenClaims>();

  get(token: string): AccessTokenClaims | undefined {
    const claims = this.entries.get(token);
    // jsonwebtoken's rule: expired once the current whole second reaches exp
    if (claims && Math.floor(Date.now() / 1000) >= claims.exp) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: AccessTokenClaims): void {
    if (this.entries.size >= VERIFIED_TOKENS) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, claims);
  }
}

export function createGuards(sessions: Sessions, jwtSecret: string): Guards {
  const fromHeader = ExtractJwt.fromAuthHeaderAsBearerToken();
  const verified = new VerifiedTokens();
  const principal = async (claims: AccessTokenClaims): Promise<Principal | false> =>
    (await sessions.isRevoked(claims)) ? false : { id: Number(claims.sub), role: claims.role, jti: claims.jti, sid: claims.sid, exp: claims.exp };
  const authenticator = new passport.Authenticator();
  authenticator.use(
    'jwt',
    new JwtStrategy(
      {
        jwtFromRequest: fromHeader,
        // a KeyObject, made once: given a string, jsonwebtoken first tries it as a PEM public key
        // (createPublicKey, which throws) and then builds a secret key, on every verification. (jsonwebtoken 9
        // takes a KeyObject; passport-jwt passes it through, its typings only name string | Buffer.)
        secretOrKey: crypto.createSecretKey(Buffer.from(jwtSecret, 'utf8')) as unknown as Buffer,
        algorithms: ['HS256'],
        ignoreExpiration: false,
        passReqToCallback: true,
      },
      (req: Request, claims: AccessTokenClaims, done: (err: unknown, user?: Principal | false) => void) => {
        // jsonwebtoken checks exp only when present: a token without one would never expire
        if (
          typeof claims.exp !== 'number' ||
          typeof claims.sub !== 'string' ||
          !/^\d+$/.test(claims.sub) ||
          typeof claims.jti !== 'string' ||
          typeof claims.iat !== 'number' ||
          typeof claims.sid !== 'string'
        ) {
          return done(null, false);
        }
        const token = fromHeader(req);
        if (token) verified.set(token, claims);
        principal(claims).then(
          (user) => done(null, user),
          (err: unknown) => done(err),
        );
      },
    ),
  );
  const accept = (req: Request, next: NextFunction) => (err: unknown, user: Principal | false) => {
    if (err) return next(err);
    if (!user) return next(new UnauthenticatedError('invalid_token', 'The access token is invalid, expired or revoked.'));
    req.user = user;
    setLogContext({ userId: user.id });
    next();
  };
  const requireAuth: RequestHandler = (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) return next(new UnauthenticatedError('unauthorized', 'An access token is required (Authorization: Bearer …).'));
    // a token verified before: its revocation is still read, now
    const token = fromHeader(req);
    const known = token ? verified.get(token) : undefined;
    if (known) {
      const done = accept(req, next);
      principal(known).then(
        (user) => done(null, user),
        (e: unknown) => done(e, false),
      );
      return;
    }
    (authenticator.authenticate('jwt', { session: false }, accept(req, next)) as RequestHandler)(req, res, next);
  };
  return {
    requireAuth,
    readAuth: (anonymousAllowed) => (req, res, next) => {
      if (req.headers.authorization || !anonymousAllowed) return requireAuth(req, res, next);
      next();
    },
  };
}

/**
 * Answers that depend on who asks are never stored by browsers or shared caches: every response to a
 * request carrying credentials (a bearer token) and every response of the auth endpoints (tokens, cookies).
 * A route may still set its own policy (file downloads: private, revalidated).
 */
export const privateResponses: RequestHandler = (req, res, next) => {
  if (req.headers.authorization !== undefined || req.path.startsWith('/auth/')) res.set('Cache-Control', 'no-store');
  next();
};
