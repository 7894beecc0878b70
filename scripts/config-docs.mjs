#!/usr/bin/env node
// `npm run config:docs`: writes the configuration table of docs/operations.md and .env.example from the settings
// declared in src/config-schema.ts (run with `node --import tsx`, which loads the TypeScript). `-- --check` writes
// nothing and exits 1 when a committed file differs from what the declarations give.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDocs } from '../src/config-docs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : '');

const check = process.argv.includes('--check');
let stale = 0;
for (const { file, text } of configDocs(read)) {
  if (read(file) === text) continue;
  if (check) {
    console.error(`${file} is out of date with the settings declared in src/config-schema.ts: run npm run config:docs`);
    stale++;
    continue;
  }
  fs.writeFileSync(path.join(root, file), text);
  console.log(`wrote ${file}`);
}
process.exit(stale ? 1 : 0);
