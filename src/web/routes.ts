// Pages and files served outside the API for people with a browser: the site icon and the password
// reset page the reset mail links to.
import express, { type Router } from 'express';
import { faviconIco, faviconSvg } from './favicon.js';
import { resetPasswordPage, resetPasswordScript } from './reset-password.js';

const ICON_CACHE = 'public, max-age=604800';

export function webRouter(opts: { confirmResetPath: string }): Router {
  const router = express.Router();
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', ICON_CACHE).type('image/x-icon').send(faviconIco);
  });
  router.get('/favicon.svg', (_req, res) => {
    res.set('Cache-Control', ICON_CACHE).type('image/svg+xml').send(faviconSvg);
  });
  router.get('/reset-password', (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 200) : '';
    // the token is in the URL: neither this page nor what it links to may be kept or passed on
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).type('html').send(resetPasswordPage(token, opts.confirmResetPath));
  });
  router.get('/reset-password.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('application/javascript').send(resetPasswordScript);
  });
  return router;
}
