#!/usr/bin/env node
// `npm run test:mysql`: the data-layer, API (accounts, auth) and CLI suites against MariaDB/MySQL. Each suite creates its own
// database (and drops it afterwards) on the server of TEST_MYSQL_URL, whose user needs CREATE/DROP rights.
// Default: mysql://agora:agora@127.0.0.1:3306/agora_test (CONTRIBUTING.md: how to create that user).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const suites = [
  'test/platform/schema.test.ts',
  'test/platform/migrate.test.ts',
  'test/platform/data-layer.test.ts',
  'test/http/app.test.ts',
  'test/cli/create-superuser.test.ts',
  'test/process/create-superuser.test.ts',
  'test/users',
  'test/auth',
  'test/audit',
  'test/boards',
  'test/posts',
  'test/search',
  'test/ai',
  'test/process/ai-worker-kill.test.ts',
  'test/process/ai-crash-loop.test.ts',
  'test/files',
  'test/reports',
  'test/notifications',
  'test/process/notifications-process.test.ts',
  'test/chat/rest.test.ts',
  'test/chat/protocol.test.ts',
  'test/chat/replicas.test.ts',
  'test/chat/backpressure.test.ts',
  'test/chat/limits.test.ts',
  'test/chat/tickets.test.ts',
  'test/process/api-drain.test.ts',
  'test/process/upload-orphans.test.ts',
];
const r = spawnSync(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...suites, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE: 'mysql', TEST_MYSQL_URL: process.env.TEST_MYSQL_URL ?? 'mysql://agora:agora@127.0.0.1:3306/agora_test' },
});
process.exit(r.status ?? 1);
