#!/usr/bin/env node
// Writes prisma/<provider>/schema.prisma for every provider from the one source of models, prisma/models.prisma.
// Prisma cannot take the provider from the environment, so each provider gets its own schema file
// (and its own migrations/ folder beside it). `--check` fails if a committed schema is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const models = fs.readFileSync(path.join(root, 'prisma/models.prisma'), 'utf8');

// Each provider's client goes to its own folder so both exist at once and DATABASE_URL alone picks one at run time.
// The SQLite client also takes the default location (@prisma/client), which libraries such as @adminjs/prisma import.
const providers = {
  sqlite: { output: null, strip: /\s*@db\.\w+(\([^)]*\))?/g },
  mysql: { output: '../../node_modules/.prisma/client-mysql', strip: null },
};

const header = (provider, output) => `// GENERATED from prisma/models.prisma by \`npm run db:schemas\`. Do not edit: edit prisma/models.prisma.

generator client {
  provider = "prisma-client-js"${output ? `\n  output   = "${output}"` : ''}
}

datasource db {
  provider = "${provider}"
}

`;

const check = process.argv.includes('--check');
let stale = 0;
for (const [provider, { output, strip }] of Object.entries(providers)) {
  let body = models.replace(/^\/\/.*\n(\/\/.*\n)*\n/, ''); // the source's own header comment
  if (strip) body = body.replace(strip, '');
  const text = header(provider, output) + body;
  const file = path.join(root, 'prisma', provider, 'schema.prisma');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current === text) continue;
  if (check) {
    console.error(`${path.relative(root, file)} is out of date: run npm run db:schemas`);
    stale++;
    continue;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.log(`wrote ${path.relative(root, file)}`);
}
process.exit(stale ? 1 : 0);
