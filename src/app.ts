// The api process's Express application: security headers, request ids, logging, JSON bodies,
// /api/v1 routers, OpenAPI + Swagger UI, health, the site icon and the password reset page, and one
// problem+json error handler.
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { adminPanel } from '../admin/mount.js';
import { registerAiRoutes } from './ais/routes.js';
import { registerAuditRoutes } from './audit/routes.js';
import { createGuards, privateResponses } from './auth/guards.js';
import { registerBoardRoutes } from './boards/routes.js';
import { registerChatRoutes } from './chat/routes.js';
import { registerFileRoutes } from './files/routes.js';
import { registerPostRoutes } from './posts/routes.js';
import { registerCommentRoutes } from './comments/routes.js';
import { registerReportRoutes } from './reports/routes.js';
import { registerSearchRoutes } from './search/routes.js';
import { registerNotificationRoutes } from './notifications/routes.js';
import { registerAuthRoutes } from './auth/routes.js';
import type { Context } from './context.js';
import { ApiRegistry, ApiRouter, documentGuards, ok } from './http/api.js';
import { receiveUpload } from './files/upload.js';
import { identityBodiesOnly } from './http/content-encoding.js';
import { NotFoundError, UnavailableError } from './errors.js';
import { errorHandler } from './http/errors.js';
import { buildOpenApi, docsRouter } from './http/openapi.js';
import { idempotency } from './http/idempotency.js';
import { overloadGuard } from './http/overload.js';
import { requestId } from './http/request-id.js';
import { runWithLogContext } from './platform/log-context.js';
import { packageVersion } from './platform/paths.js';
import { readRedisPersistence } from './platform/redis.js';
import { probe, withTimeout } from './platform/readiness.js';
import { registerUserRoutes } from './users/routes.js';
import { webRouter } from './web/routes.js';

export const API_BASE = '/api/v1';

const healthSchema = {
  type: 'object',
  required: ['status', 'version'],
  properties: { status: { const: 'ok' }, version: { type: 'string' } },
};
const readySchema = {
  type: 'object',
  required: ['status', 'checks', 'orphanSweep'],
  properties: {
    status: { const: 'ok' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
    notes: { type: 'object', additionalProperties: { type: 'string' }, description: 'production only: what is not failing but should be fixed (e.g. Redis without persistence)' },
    orphanSweep: {
      type: 'object',
      description: 'What the orphan-file sweep of this process removed since it started',
      properties: {
        runs: { type: 'integer' },
        lastRunAt: { type: ['string', 'null'] },
        removedTempFiles: { type: 'integer' },
        removedAttachments: { type: 'integer' },
        removedBytes: { type: 'integer' },
      },
    },
  },
};

/** Each dependency the api needs to serve requests: "ok" or why not. */
export async function readiness(ctx: Context): Promise<{ ready: boolean; checks: Record<string, string>; notes?: Record<string, string> }> {
  const [database, redis, storage] = await Promise.all([probe(() => ctx.prisma.$queryRawUnsafe('SELECT 1')), probe(() => ctx.redis.ping()), probe(() => ctx.storage.check())]);
  const checks = { database, redis, storage };
  const notes: Record<string, string> = {};
  if (ctx.config.nodeEnv === 'production' && redis === 'ok') {
    const persistence = await withTimeout(readRedisPersistence(ctx.redis), 2_000).catch(() => null);
    if (persistence && !persistence.appendonly && !persistence.save) notes.redis = 'Redis does not persist its data (no AOF, no save points): a restart loses revocations and queued jobs; turn AOF on';
  }
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks, ...(Object.keys(notes).length ? { notes } : {}) };
}

export function buildApp(ctx: Context): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('query parser', 'extended');

  // load shedding: decided before the request is logged (a shed request has no log line of its own; the guard
  // sums them up), answered right after the request id, before anything parses, authenticates or queries
  const overload = overloadGuard(ctx.config.overload, ctx.logger);
  app.locals.overload = overload;
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: requestId,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || overload.shed(req as express.Request) },
      // the route pattern, never the raw URL (ids and query strings stay out of the logs); the user once known
      serializers: { req: (req: { id: unknown; method: string }) => ({ id: req.id, method: req.method }) },
      customProps: (req) => {
        const r = req as express.Request;
        return { route: r.route ? `${r.baseUrl}${(r.route as { path: string }).path}` : undefined, userId: r.user?.id };
      },
    }),
  );
  // every log line and audit record made while serving the request carries its id and the client's address
  // (and user id, once known)
  app.use(overload.middleware);
  app.use((req, _res, next) => runWithLogContext({ requestId: req.id as string, ...(req.ip ? { ip: req.ip } : {}) }, next));
  app.use(identityBodiesOnly);
  // the admin panel (AdminJS, imported on first use): its own security headers, sessions and body parsing
  const admin = adminPanel(ctx);
  app.locals.adminPanel = admin;
  app.use('/admin', admin);
  app.use(helmet());
  app.use(express.json({ limit: ctx.config.bodyLimit, type: ['application/json', 'application/*+json'] }));

  const registry = new ApiRegistry();

  // health: liveness needs nothing; readiness proves the database and Redis answer and the uploads folder takes writes
  const validateResponses = ctx.config.nodeEnv === 'test';
  const ops = new ApiRouter(registry, '', { validateResponses });
  ops
    .route({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'Up', schema: healthSchema } },
    })
    .handle(() => ok({ status: 'ok', version: packageVersion }));
  ops
    .route({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness: the database and Redis answer, the uploads folder takes writes',
      tags: ['operations'],
      auth: 'none',
      responses: { 200: { description: 'Ready', schema: readySchema }, 503: { description: 'A dependency is down (`not_ready`; `checks` names it)' } },
    })
    .handle(async () => {
      const { ready, checks, notes } = await readiness(ctx);
      const failing = Object.keys(checks).filter((k) => checks[k] !== 'ok');
      if (!ready) throw new UnavailableError('not_ready', `Not ready: ${failing.join(', ')}.`, { extra: { checks } });
      return ok({ status: 'ok', checks, ...(notes ? { notes } : {}), orphanSweep: ctx.services.orphanSweep.stats() });
    });
  app.use(ops.router);

  // Feature routers register here, each as `register<Feature>Routes(api, ctx)`: the router authenticates what
  // each route's `auth` asks for, reads multipart bodies into storage, and (in tests) checks every reply.
  const guards = documentGuards(createGuards(ctx.sessions, ctx.config.jwtSecret));
  const api = new ApiRouter(registry, API_BASE, {
    guards,
    anonymousRead: ctx.config.anonymousRead,
    receiveUpload: (req, { fileField, validate }) => receiveUpload(req, ctx.storage, ctx.config.uploads, { fileField, validate }),
    idempotency: idempotency(ctx.redis),
    validateResponses,
  });
  app.use(API_BASE, privateResponses);
  registerAuthRoutes(api, ctx);
  registerUserRoutes(api, ctx);
  registerBoardRoutes(api, ctx);
  registerPostRoutes(api, ctx);
  registerCommentRoutes(api, ctx);
  registerSearchRoutes(api, ctx);
  registerFileRoutes(api, ctx);
  registerAuditRoutes(api, ctx);
  registerAiRoutes(api, ctx);
  registerChatRoutes(api, ctx);
  registerReportRoutes(api, ctx);
  registerNotificationRoutes(api, ctx);
  app.use(API_BASE, api.router);

  const openapi = buildOpenApi(registry, {
    title: 'Agora API',
    version: packageVersion,
    description: 'Member REST API of Agora. Errors are RFC 9457 problem+json documents with a stable `code`.',
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', docsRouter());
  app.use(webRouter({ confirmResetPath: `${API_BASE}/auth/password-reset/confirm` }));

  app.use((req, _res, next) => next(new NotFoundError('not_found', `No route for ${req.method} ${req.path}.`)));
  app.use(errorHandler(ctx.logger));
  return app;
}
