// The admin panel: AdminJS 7 on Prisma, behind its own sign-in (admin and superuser accounts only), with
// sessions in Redis. Loaded lazily by ./mount.ts, so only the api process ever imports AdminJS.
//
// Request path under /admin:
//   security headers (a CSP AdminJS can live with) → cross-site request refusal (CSRF, with SameSite=Strict
//   cookies) → page filter (no external font link; status of failed sign-ins) → session (Redis) → session
//   still valid (ban, role, revocation) → client meta for audit records → request bodies (read only for
//   signed-in operators and the sign-in form; uploaded files deleted when the response ends) → AdminJS
//   (sign-in, pages, API).
import path from 'node:path';
import { buildAuthenticatedRouter } from '@adminjs/express';
import AdminJS from 'adminjs';
import RedisStore from 'connect-redis';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import session, { type SessionOptions } from 'express-session';
import helmet from 'helmet';
import type { Context } from '../src/context.js';
import { ForbiddenError } from '../src/errors.js';
import { clientMeta } from '../src/http/request-id.js';
import { setLogContext } from '../src/platform/log-context.js';
import { redisKeys } from '../src/platform/keys.js';
import { AdminAuth, AdminLoginError } from './auth.js';
import { adminAssets, coreBundles, type AdminAssets } from './assets.js';
import { adminBodies, sweepStale } from './bodies.js';
import { createComponents } from './components.js';
import { languageOf, panelLocale } from './locale/index.js';
import { languageRouter } from './locale/route.js';
import { dashboardData } from './dashboard.js';
import { moderationPage } from './moderation.js';
import { assetCacheDir, bundleFile, ensureComponentsBundle } from './env.js';
import { CLIENT } from './resources/request.js';
import { buildResources } from './resources/index.js';
import type { AdminUser } from './services.js';

export const ADMIN_ROOT = '/admin';
export const ADMIN_COOKIE = 'agora_admin';

type AdminSession = session.Session & { adminUser?: AdminUser };

const STATUS = 'agoraAdminStatus';

/** The AdminJS instance (also used by the prebuild script, with no resources, to bundle the components). */
export function adminOptions(components: ReturnType<typeof createComponents>) {
  return {
    rootPath: ADMIN_ROOT,
    loginPath: `${ADMIN_ROOT}/login`,
    logoutPath: `${ADMIN_ROOT}/logout`,
    componentLoader: components.loader,
    branding: { companyName: 'Agora', logo: false as const, withMadeWithLove: false, favicon: undefined },
    version: { admin: false },
    // English and Korean, per operator (admin/locale)
    locale: panelLocale,
  };
}

/** Refuses state-changing or API requests that a browser marks as coming from another site. */
function sameOrigin(req: Request, _res: Response, next: NextFunction) {
  const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
  const site = req.get('sec-fetch-site');
  if ((unsafe || req.path.startsWith('/api/')) && site && site !== 'same-origin' && site !== 'none') {
    return next(new ForbiddenError('cross_site_request', 'The admin panel accepts this request only from its own pages.'));
  }
  const origin = req.get('origin');
  if (unsafe && origin && origin !== `${req.protocol}://${req.get('host')}`) {
    return next(new ForbiddenError('cross_site_request', 'The admin panel accepts this request only from its own pages.'));
  }
  next();
}

/**
 * AdminJS's page templates link a Google Fonts stylesheet and offer no option to drop it: the link is taken
 * out of every HTML page (the panel then uses the system font and loads nothing from outside), and the
 * bundles it names are pointed at their hashed, cached names (./assets.ts). Also sets the status of a
 * refused sign-in, which AdminJS answers with a rendered page.
 */
function pageFilter(assets: AdminAssets) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const status = res.locals[STATUS] as number | undefined;
      if (status) res.status(status);
      if (typeof body === 'string' && body.includes('fonts.googleapis.com')) body = body.replace(/<link[^>]*fonts\.googleapis\.com[^>]*>/g, '');
      if (typeof body === 'string' && body.includes('/frontend/assets/')) body = assets.rewrite(body);
      return send(body);
    };
    next();
  };
}

/**
 * The panel's own components as one production bundle: prebuilt by `npm run build` or made by AdminJS at
 * start in production; made from the sources (and remade when they change) everywhere else.
 */
async function componentsBundle(admin: AdminJS, nodeEnv: string): Promise<string> {
  if (nodeEnv !== 'production') return ensureComponentsBundle();
  if (process.env.ADMIN_JS_SKIP_BUNDLE !== 'true') {
    await admin.initialize();
    // built: the router's own initialize() (@adminjs/express calls it again) must not build it twice
    process.env.ADMIN_JS_SKIP_BUNDLE = 'true';
  }
  return bundleFile();
}

export async function buildAdminRouter(ctx: Context): Promise<Router> {
  const components = createComponents();
  const admin = new AdminJS({
    ...adminOptions(components),
    resources: await buildResources(ctx, components),
    dashboard: { component: components.Dashboard, handler: () => dashboardData(ctx) },
    pages: { moderation: { component: components.Moderation, icon: 'Flag', handler: moderationPage(ctx) } },
  });
  const assets = adminAssets({
    root: ADMIN_ROOT,
    bundles: { ...coreBundles(), 'components.bundle.js': await componentsBundle(admin, ctx.config.nodeEnv) },
    cacheDir: assetCacheDir(),
  });
  const auth = new AdminAuth(ctx);
  const ttl = ctx.config.adminSessionTtlSeconds;
  const sessionOptions: SessionOptions = {
    store: new RedisStore({ client: ctx.redis, prefix: redisKeys.adminSessionPrefix(), ttl }),
    secret: ctx.config.sessionSecret,
    name: ADMIN_COOKIE,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'strict', secure: ctx.config.auth.cookieSecure, path: ADMIN_ROOT, maxAge: ttl * 1000 },
  };

  const router = express.Router();
  router.use(
    helmet({
      // not helmet's no-referrer: with it, browsers send `Origin: null` on form posts, which sameOrigin refuses
      referrerPolicy: { policy: 'same-origin' },
      contentSecurityPolicy: {
        directives: {
          // AdminJS renders with inline scripts and styled-components' inline styles
          'script-src': ["'self'", "'unsafe-inline'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
        },
      },
    }),
  );
  // the bundles need no session: answered before it (and before Redis is asked anything)
  router.use(assets.serve);
  router.use(sameOrigin);
  router.use(pageFilter(assets));
  router.use(session(sessionOptions));
  router.use((req, _res, next) => {
    const s = req.session as AdminSession;
    (req as unknown as Record<string, unknown>)[CLIENT] = clientMeta(req);
    if (!s.adminUser) return next();
    auth.stillValid(s.adminUser).then((valid) => {
      if (valid) {
        s.adminUser = valid;
        setLogContext({ userId: valid.id });
        return next();
      }
      // banned, demoted, closed or revoked: the session ends here, AdminJS sends the browser to sign in
      s.destroy((err) => next(err));
    }, next);
  });
  // the request's language: the operator's setting, else Accept-Language; their switch in the top bar saves it
  const operatorOf = (req: Request) => (req.session as AdminSession | undefined)?.adminUser;
  router.use((req, res, next) => languageOf(() => operatorOf(req))(req, res, next));
  router.use(languageRouter(ctx, operatorOf));
  // files of a process that stopped mid-request (older than any request may take) go at start
  const uploads = path.join(ctx.config.uploadsDir, '.tmp', 'admin');
  await sweepStale(uploads, 3_600_000, ctx.logger);
  router.use(adminBodies({ dir: uploads, signedIn: (req) => Boolean((req.session as AdminSession | undefined)?.adminUser), logger: ctx.logger }));
  router.get('/logout', (req, _res, next) => {
    const s = req.session as AdminSession | undefined;
    if (!s?.adminUser) return next();
    auth.logout(s.adminUser, clientMeta(req)).then(() => next(), next);
  });

  const adminRouter = buildAuthenticatedRouter(
    admin,
    {
      cookieName: ADMIN_COOKIE,
      cookiePassword: ctx.config.sessionSecret,
      authenticate: async (login: string, password: string, context) => {
        const { req, res } = context!;
        try {
          const user = await auth.login(String(login ?? ''), String(password ?? ''), clientMeta(req));
          // a new session id at sign-in: a session id planted before it is worth nothing
          await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
          return user;
        } catch (e) {
          if (!(e instanceof AdminLoginError)) throw e;
          res.locals[STATUS] = e.reason === 'rate_limited' ? 429 : 401;
          if (e.retryAfter) res.setHeader('Retry-After', String(e.retryAfter));
          if (e.reason === 'rate_limited') throw e; // the page says "too many requests"
          return null; // the page says "invalid credentials", whatever the reason
        }
      },
    },
    null,
    sessionOptions,
  );
  router.use(adminRouter);
  return router;
}
