// Prebuild of the admin panel (`npm run build:admin`, part of `npm run build`): bundles the panel's own
// components once, as AdminJS's initialize() does in production, into ADMIN_JS_TMP_DIR (dist/adminjs by
// default) with the Prisma datamodel beside it, and copies their sources next to the compiled admin modules (dist/admin/components), where
// AdminJS's component loader looks for them at run time, and compresses every bundle the pages load
// (./assets.ts). In production the api then starts with ADMIN_JS_SKIP_BUNDLE=true (set automatically when the
// bundle is there) and bundles nothing.
//   tsx admin/build.ts               bundle + compress + copy
//   tsx admin/build.ts --bundle-only bundle only (the bundle of a development api, and of the admin test suites)
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/platform/paths.js';
import { assetCacheDir, bundleDir, bundleFile, writeComponentsKey } from './env.js';

process.env.NODE_ENV = 'production';
process.env.ADMIN_JS_TMP_DIR = bundleDir();
process.env.ADMIN_JS_SKIP_BUNDLE = 'false';

const started = Date.now();
const { default: AdminJS } = await import('adminjs');
const { createComponents } = await import('./components.js');
const { adminOptions } = await import('./index.js');
await new AdminJS(adminOptions(createComponents())).initialize();
if (!fs.existsSync(bundleFile())) throw new Error(`admin build: no bundle at ${bundleFile()}`);
writeComponentsKey(bundleDir());
// the full Prisma datamodel, so production needs no schema parser (@prisma/get-dmmf is a devDependency)
const { datamodelFile, parseDatamodel } = await import('./prisma.js');
fs.writeFileSync(datamodelFile(), JSON.stringify(await parseDatamodel('sqlite')));

if (!process.argv.includes('--bundle-only')) {
  // every bundle the pages load, compressed once at the best quality: production compresses nothing
  const { adminAssets, coreBundles } = await import('./assets.js');
  const { ADMIN_ROOT } = await import('./index.js');
  await adminAssets({ root: ADMIN_ROOT, bundles: { ...coreBundles(), 'components.bundle.js': bundleFile() }, cacheDir: assetCacheDir(), quality: 'build' }).compressed();
  const from = path.join(projectRoot, 'admin', 'components');
  const to = path.join(projectRoot, 'dist', 'admin', 'components');
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) if (f.endsWith('.jsx')) fs.copyFileSync(path.join(from, f), path.join(to, f));
}
console.log(`admin build: ${bundleFile()} (${Math.round(fs.statSync(bundleFile()).size / 1024)} KiB) in ${Date.now() - started} ms`);
