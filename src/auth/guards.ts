// passport-jwt verifies the signature and expiry; Agora requires the expiry and adds the revocation checks
// (blacklisted jti, revocation epoch, revoked login) in one Redis round trip. Guards say who is signed in and
// turn every failure into a 401 problem; what the viewer may do is the services' (src/access/).
import type { RequestHandler } from 'express';
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

export function createGuards(sessions: Sessions, jwtSecret: string): Guards {
  const authenticator = new passport.Authenticator();
  authenticator.use(
    'jwt',
    new JwtStrategy(
      { jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: jwtSecret, algorithms: ['HS256'], ignoreExpiration: false },
      (claims: AccessTokenClaims, done: (err: unknown, user?: Principal | false) => void) => {
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
        sessions.isRevoked(claims).then(
          (revoked) => done(null, revoked ? false : { id: Number(claims.sub), role: claims.role, jti: claims.jti, sid: claims.sid, exp: claims.exp }),
          (err: unknown) => done(err),
        );
      },
    ),
  );
  const requireAuth: RequestHandler = (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) return next(new UnauthenticatedError('unauthorized', 'An access token is required (Authorization: Bearer …).'));
    (
      authenticator.authenticate('jwt', { session: false }, (err: unknown, user: Principal | false) => {
        if (err) return next(err);
        if (!user) return next(new UnauthenticatedError('invalid_token', 'The access token is invalid, expired or revoked.'));
        req.user = user;
        setLogContext({ userId: user.id });
        next();
      }) as RequestHandler
    )(req, res, next);
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
