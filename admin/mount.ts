// The /admin mount point. AdminJS costs ~1.5 s and ~110 MB to import, so it is loaded only by the api
// process, on first use (or at start: startApi warms it outside tests); the chat server and the worker never
// import it. This module must not import adminjs (statically).
import type { RequestHandler, Router } from 'express';
import type { Context } from '../src/context.js';
import { prepareAdminEnv } from './env.js';

export interface AdminMount extends RequestHandler {
  /** Loads and builds the panel (once); later requests use the same router. */
  load(): Promise<Router>;
}

export function adminPanel(ctx: Context): AdminMount {
  let router: Promise<Router> | undefined;
  const load = () =>
    (router ??= (async () => {
      prepareAdminEnv(ctx.config.nodeEnv);
      const { buildAdminRouter } = await import('./index.js');
      return buildAdminRouter(ctx);
    })().catch((e: unknown) => {
      router = undefined; // a later request tries again
      throw e;
    }));
  const mount = ((req, res, next) => {
    load().then((r) => r(req, res, next), next);
  }) as AdminMount;
  mount.load = load;
  return mount;
}
