// Where the AdminJS component bundle lives, and the two AdminJS environment variables. AdminJS reads
// ADMIN_JS_TMP_DIR and ADMIN_JS_SKIP_BUNDLE from process.env when it is first imported, so they are settled
// here, before the (lazy) import. This module must not import adminjs itself.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/platform/paths.js';

/**
 * Default bundle folder: under dist/, so the Docker image (which copies dist/) carries the prebuilt bundle.
 * Not a dot-folder: Express 5's res.sendFile refuses paths with a dot segment, which is how AdminJS
 * serves the bundle in production.
 */
export const defaultBundleDir = path.join(projectRoot, 'dist', 'adminjs');

export function bundleDir(): string {
  return path.resolve(projectRoot, process.env.ADMIN_JS_TMP_DIR || defaultBundleDir);
}

export const bundleFile = () => path.join(bundleDir(), 'bundle.js');

/** Where the compressed forms of the panel's bundles are kept (./assets.ts). */
export const assetCacheDir = () => path.join(bundleDir(), 'assets');

/** Beside a bundle made from sources: the key of the sources it was made from. */
const keyFile = (dir: string) => path.join(dir, 'bundle.key');

/** A hash of the panel's component sources: a bundle made from other sources is rebuilt. */
export function componentsKey(): string {
  const hash = crypto.createHash('sha256');
  const sources = path.join(projectRoot, 'admin', 'components');
  for (const f of fs.readdirSync(sources).sort()) hash.update(f).update(fs.readFileSync(path.join(sources, f)));
  hash.update(fs.readFileSync(path.join(projectRoot, 'admin', 'components.ts')));
  return hash.digest('hex').slice(0, 16);
}

export function writeComponentsKey(dir: string): void {
  fs.writeFileSync(keyFile(dir), componentsKey());
}

/**
 * Outside production, where the panel runs from its sources: the production build of the components in
 * bundleDir(), made by `admin/build.ts --bundle-only` in a child process (AdminJS's bundler minifies only when
 * NODE_ENV was production as it was imported) when missing or made from other sources.
 */
export async function ensureComponentsBundle(): Promise<string> {
  const dir = bundleDir();
  const current = fs.existsSync(bundleFile()) && fs.existsSync(keyFile(dir)) && fs.readFileSync(keyFile(dir), 'utf8') === componentsKey();
  if (current) return bundleFile();
  const work = `${dir}.${process.pid}.${crypto.randomBytes(3).toString('hex')}`;
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'admin', 'build.ts'), '--bundle-only'], {
        cwd: projectRoot,
        env: { ...process.env, ADMIN_JS_TMP_DIR: work },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`admin components bundle failed (exit ${code}):\n${out}`))));
    });
    fs.mkdirSync(dir, { recursive: true });
    // the bundle first, its key last: a reader that sees the new key sees the new bundle
    fs.renameSync(path.join(work, 'bundle.js'), bundleFile());
    fs.renameSync(keyFile(work), keyFile(dir));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return bundleFile();
}

/**
 * Settles the AdminJS variables before adminjs is imported: the bundle folder (absolute, non-dot), and in
 * production, skipping the run-time bundling when a prebuilt bundle (`npm run build`) is there.
 */
export function prepareAdminEnv(nodeEnv: string): void {
  process.env.ADMIN_JS_TMP_DIR = bundleDir();
  if (nodeEnv === 'production' && process.env.ADMIN_JS_SKIP_BUNDLE === undefined && fs.existsSync(bundleFile())) {
    process.env.ADMIN_JS_SKIP_BUNDLE = 'true';
  }
}
