#!/usr/bin/env node
// `npm run fuzz`: the API fuzz suite (test/fuzz) for longer than `npm test` gives it, with a random seed that
// is printed for replay. FUZZ_SEED=<seed> replays a run; FUZZ_RUNS (default 100000) and FUZZ_TIME_MS (default
// 300000, five minutes) bound it. Extra arguments go to jest.
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seed = process.env.FUZZ_SEED ?? String(crypto.randomInt(1, 2 ** 31 - 1));
const runs = process.env.FUZZ_RUNS ?? '100000';
const timeMs = process.env.FUZZ_TIME_MS ?? '300000';
console.log(`fuzz: seed ${seed}, up to ${runs} runs or ${timeMs} ms (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz)`);
const r = spawnSync(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--maxWorkers=1', 'test/fuzz', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs, FUZZ_TIME_MS: timeMs },
});
process.exit(r.status ?? 1);
