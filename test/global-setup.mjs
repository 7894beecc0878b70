// Once per `jest` run: the migrated SQLite template that every suite copies (much faster than migrating a
// database per suite), made by the real migrate command; and the run's id, AGORA_TEST_RUN, which every suite's
// Redis prefix starts with (test/helpers/context.ts) so that global-teardown.mjs finds what this run left behind.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default function globalSetup() {
  // set before the workers start, so they inherit it
  process.env.AGORA_TEST_RUN = crypto.randomBytes(4).toString('hex');
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
