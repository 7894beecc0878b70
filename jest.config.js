// jest in native ESM mode (`node --experimental-vm-modules`), TypeScript compiled by swc.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  globalSetup: '<rootDir>/test/global-setup.mjs',
  testTimeout: 30000,
  // suites share one Redis and one MariaDB server but never a database or key prefix, so they run in parallel
  maxWorkers: 2,
};
