// The panel's JavaScript as a browser should get it, in every mode: AdminJS's production bundles (its
// development ones are ~26 MB) and the production build of the panel's own components, each under a name
// that carries a hash of its content (so it is cached for a year, `immutable`), compressed with Brotli or
// gzip as the browser accepts. AdminJS's pages name the bundles `/admin/frontend/assets/<name>.bundle.js`;
// `rewrite` replaces those names in every page, and `serve` answers the hashed ones.
//
// Compression: `npm run build` writes Brotli (quality 11) and gzip files beside the hashed names
// (`precompress`), so a production image compresses nothing at run time. Without them (development, tests)
// each bundle is compressed once in the thread pool at a quicker quality, and kept in the same folder for the
// next process; until then it is served uncompressed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Request, Response } from 'express';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

export const ASSET_PREFIX = '/frontend/assets/v/';
const YEAR = 365 * 24 * 3600;

type Encoding = 'br' | 'gzip';
const suffix: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

/** AdminJS's own bundles, production builds, by the name its pages use. */
export function coreBundles(): Record<string, string> {
  const adminjsLib = path.dirname(fileURLToPath(import.meta.resolve('adminjs')));
  const scripts = path.join(adminjsLib, 'lib', 'frontend', 'assets', 'scripts');
  const designSystem = createRequire(path.join(adminjsLib, 'index.js')).resolve('@adminjs/design-system');
  return {
    'global.bundle.js': path.join(scripts, 'global-bundle.production.js'),
    'design-system.bundle.js': path.join(path.dirname(designSystem), '..', 'bundle.production.js'),
    'app.bundle.js': path.join(scripts, 'app-bundle.production.js'),
  };
}

interface Asset {
  file: string;
  body: Buffer;
  etag: string;
  encoded: Partial<Record<Encoding, Buffer>>;
}

export interface AdminAssets {
  /** Points a page's bundle names at their hashed, cached names. */
  rewrite(html: string): string;
  /** Answers GET `${ASSET_PREFIX}:file` (mounted under the panel's root); anything else goes on. */
  serve: (req: Request, res: Response, next: () => void) => void;
  /** Resolves once every compressed form exists (tests, the build). */
  compressed(): Promise<void>;
  /** The hashed URL path of a bundle below the panel's root, e.g. for `global.bundle.js`. */
  url(name: string): string;
}

const hashedName = (name: string, body: Buffer) => `${name.replace(/\.bundle\.js$/, '')}.${crypto.createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`;

async function readOrCompress(cacheDir: string, file: string, body: Buffer, encoding: Encoding, quality: 'build' | 'run'): Promise<Buffer> {
  const cached = path.join(cacheDir, file + suffix[encoding]);
  // the build compresses anew: a file kept by a development api is of a quicker quality
  if (quality === 'run') {
    try {
      return await fs.promises.readFile(cached);
    } catch {
      // not there yet
    }
  }
  const out =
    encoding === 'br'
      ? await brotli(body, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: quality === 'build' ? 11 : 5,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        })
      : await gzip(body, { level: quality === 'build' ? 9 : 6 });
  // kept for the next process; written aside and renamed, so a reader never sees half a file
  const tmp = `${cached}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  try {
    await fs.promises.mkdir(cacheDir, { recursive: true });
    await fs.promises.writeFile(tmp, out);
    await fs.promises.rename(tmp, cached);
  } catch {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined); // a read-only folder: memory only
  }
  return out;
}

/** Chooses Brotli, then gzip, by the request's Accept-Encoding (a q of 0 refuses one). */
function accepted(header: string | undefined): Encoding[] {
  const offered = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    offered.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (e: string) => (offered.get(e) ?? offered.get('*') ?? 0) > 0;
  return (['br', 'gzip'] as const).filter(ok);
}

/**
 * Loads the bundles (`bundles`: page name → file), hashes them and starts compressing them in the background.
 * `root` is the panel's mount path, `cacheDir` where compressed forms are looked for and kept.
 */
export function adminAssets(opts: { root: string; bundles: Record<string, string>; cacheDir: string; quality?: 'build' | 'run' }): AdminAssets {
  const byFile = new Map<string, Asset>();
  const urls = new Map<string, string>();
  for (const [name, source] of Object.entries(opts.bundles)) {
    const body = fs.readFileSync(source);
    const file = hashedName(name, body);
    byFile.set(file, { file, body, etag: `"${file}"`, encoded: {} });
    urls.set(name, `${opts.root}${ASSET_PREFIX}${file}`);
  }
  const quality = opts.quality ?? 'run';
  const jobs: Promise<void>[] = [];
  for (const asset of byFile.values()) {
    for (const encoding of ['br', 'gzip'] as const) {
      jobs.push(
        readOrCompress(opts.cacheDir, asset.file, asset.body, encoding, quality).then((b) => {
          asset.encoded[encoding] = b;
        }),
      );
    }
  }
  const done = Promise.all(jobs).then(() => undefined);
  done.catch(() => undefined); // served uncompressed when compression fails; `compressed()` reports it

  const pattern = new RegExp(`${escape(opts.root)}/frontend/assets/(${[...urls.keys()].map(escape).join('|')})`, 'g');
  return {
    rewrite: (html) => html.replace(pattern, (whole, name: string) => urls.get(name) ?? whole),
    url: (name) => {
      const u = urls.get(name);
      if (!u) throw new Error(`no admin bundle ${name}`);
      return u;
    },
    compressed: () => done,
    serve: (req, res, next) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.startsWith(ASSET_PREFIX)) return next();
      const asset = byFile.get(req.path.slice(ASSET_PREFIX.length));
      if (!asset) return next();
      res.setHeader('Cache-Control', `public, max-age=${YEAR}, immutable`);
      res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('ETag', asset.etag);
      if (req.headers['if-none-match'] === asset.etag) {
        res.status(304).end();
        return;
      }
      const encoding = accepted(req.headers['accept-encoding']).find((e) => asset.encoded[e]);
      const body = encoding ? asset.encoded[encoding]! : asset.body;
      if (encoding) res.setHeader('Content-Encoding', encoding);
      res.setHeader('Content-Length', String(body.length));
      res.status(200).end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
