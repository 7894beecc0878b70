// Once per `jest` run: the migrated SQLite template that every suite copies (much faster than migrating a
// database per suite). Made by the real migrate command.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default function globalSetup() {
  const tmp = path.join(root, '.test-tmp');
  const template = path.join(tmp, 'template.db');
  fs.mkdirSync(tmp, { recursive: true });
  for (const s of ['', '-wal', '-shm']) fs.rmSync(template + s, { force: true });
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: `file:${template}`, DATA_DIR: path.join(tmp, 'data') },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`could not migrate the template database:\n${r.stdout}${r.stderr}`);
}
