// POST /admin/language {locale: 'en' | 'ko' | null}: the signed-in operator's language switch saves the choice
// on their account (through the users service, the same rule as PATCH /api/v1/users/me; problems answer as problem+json), so the next page, and
// the next sign-in from any browser, speaks it.
import express, { type Request, type Router } from 'express';
import type { Context } from '../../src/context.js';
import { UnauthenticatedError } from '../../src/errors.js';
import { viewerOfAdmin, type AdminUser } from '../services.js';

export function languageRouter(ctx: Context, operatorOf: (req: Request) => AdminUser | undefined): Router {
  const router = express.Router();
  router.post('/language', express.json({ limit: '1kb' }), (req, res, next) => {
    const admin = operatorOf(req);
    if (!admin) return next(new UnauthenticatedError('unauthorized', 'Sign in to the panel first.'));
    const body = (req.body ?? {}) as { locale?: unknown };
    ctx.services.users.updateMe(viewerOfAdmin(admin), { locale: body.locale as never }).then((user) => {
      admin.locale = user.locale;
      res.json({ locale: user.locale });
    }, next);
  });
  return router;
}
