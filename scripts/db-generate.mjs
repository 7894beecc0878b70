#!/usr/bin/env node
// Generates the Prisma clients of every provider (runs on `npm install`): the SQLite client at the default
// location (@prisma/client) and the MySQL client in node_modules/.prisma/client-mysql, so that DATABASE_URL
// alone picks the provider at run time, without regenerating.
//
// Client generation does not use Prisma's native schema engine, but the CLI insists on locating (and, when
// missing, downloading) it before any command. So that `npm install` never depends on that download, the
// CLI is pointed at a placeholder for this one command when no engine is configured. Commands that do
// need the engine (`prisma migrate dev`, `db push`) are unaffected and download it as usual.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const placeholder = path.join(root, 'scripts', 'schema-engine-placeholder.mjs');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;

const prismaCli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
if (!fs.existsSync(prismaCli)) {
  // production installs (`npm ci --omit=dev`) have no CLI: the clients were generated at build time
  console.log('db-generate: prisma CLI not installed, skipping client generation');
  process.exit(0);
}
for (const provider of ['sqlite', 'mysql']) {
  const r = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', `prisma/${provider}/schema.prisma`], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    process.exit(r.status ?? 1);
  }
  console.log(`db-generate: ${provider} client generated`);
}
