// Where the AdminJS component bundle lives, and the two AdminJS environment variables. AdminJS reads
// ADMIN_JS_TMP_DIR and ADMIN_JS_SKIP_BUNDLE from process.env when it is first imported, so they are settled
// here, before the (lazy) import. This module must not import adminjs itself.
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
