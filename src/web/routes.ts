// Pages and files served outside the API for people with a browser: the site icon.
import express, { type Router } from 'express';
import { faviconIco, faviconSvg } from './favicon.js';

const ICON_CACHE = 'public, max-age=604800';

export function webRouter(): Router {
  const router = express.Router();
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', ICON_CACHE).type('image/x-icon').send(faviconIco);
  });
  router.get('/favicon.svg', (_req, res) => {
    res.set('Cache-Control', ICON_CACHE).type('image/svg+xml').send(faviconSvg);
  });
  return router;
}
