// jest in native ESM mode (`node --experimental-vm-modules`), TypeScript compiled by swc.
//
// Two tiers, decided by where a test file is:
//   processes  test/process/** and every *-browser.test.ts: tests that spawn a process of the project (an entry
//              point, the bin of a command, a worker to kill), send it signals, or drive Chromium.
//   fast       every other test/**/*.test.ts: services, routes and protocol in the jest process itself, against
//              real Redis, SQLite/MariaDB and sockets, with no child process and no browser.
// A new test goes in the fast tier unless it needs a process or a browser; then it goes in test/process/ (or is
// named *-browser.test.ts). `npm test` runs both; `npm run test:fast` and `npm run test:processes` set TEST_TIER
// to run one (jest's --selectProjects would swallow the test paths given after it).
const project = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
};
const tiers = {
  fast: {
    ...project,
    displayName: 'fast',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/process/', '-browser\\.test\\.ts$'],
  },
  processes: { ...project, displayName: 'processes', testMatch: ['<rootDir>/test/process/**/*.test.ts', '<rootDir>/test/**/*-browser.test.ts'] },
};
const tier = process.env.TEST_TIER;
if (tier && !Object.hasOwn(tiers, tier)) throw new Error(`TEST_TIER must be ${Object.keys(tiers).join(' or ')} (got "${tier}")`);

/** @type {import('jest').Config} */
export default {
  projects: tier ? [tiers[tier]] : Object.values(tiers),
  // once per run, whichever tiers run: the template database and the run's id; then the check that the run left
  // no Redis key behind
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testTimeout: 30000,
  // suites share one Redis and one MariaDB server but never a database or key prefix, so they run in parallel
  maxWorkers: 2,
};
