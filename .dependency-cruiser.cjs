// Import boundaries of Agora, checked in CI (`npm run lint:imports`). docs/architecture.md explains the layers.
// A feature is a folder under src/ (users, auth, boards, posts, comments, files, ais, audit, chat, web, cli);
// the shared layers are src/access, src/http, src/platform, src/errors.ts, src/config*.ts, src/context.ts, and
// auth's guards (who is signed in) and sessions (the verified token).
/** Modules a feature offers to the others; everything else in a feature folder is its own business. */
const publicModules = ['service', 'schemas', 'policy', 'ids', 'index', 'passwords', 'limiter', 'upload', 'counters', 'jobs', 'model', 'states', 'mongo'];
const publicModule = `(${publicModules.join('|')})\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle makes load order matter and hides which module owns what: break it.',
      from: { path: '^(src|admin|ai-worker)/' },
      to: { circular: true },
    },
    {
      name: 'no-src-to-worker',
      severity: 'error',
      comment:
        'The API, the chat and the panel never depend on the AI worker: what both need (model, job states) lives in src/ais. ' +
        'Only src/all.ts, which runs every process in one for development, starts the worker.',
      from: { path: '^src/', pathNot: '^src/all\\.ts$' },
      to: { path: '^ai-worker/' },
    },
    {
      name: 'no-src-to-admin',
      severity: 'error',
      comment: 'The panel is an entry point over the services: only the app mounts it.',
      from: { path: '^src/', pathNot: '^src/(app|all|api-server)\\.ts$' },
      to: { path: '^admin/' },
    },
    {
      name: 'routes-stay-in-their-feature',
      severity: 'error',
      comment: "A routes file is a thin edge: it reaches its own feature, the shared layers and other features' schemas; other features through the services it is given.",
      from: { path: '^src/([^/]+)/routes\\.ts$' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/(access|http|platform|auth)/', '^src/[^/]+/schemas\\.ts$'] },
    },
    {
      name: 'no-reaching-into-features',
      severity: 'error',
      comment: `Another feature is used through its public modules only (${publicModules.join(', ')}).`,
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/(access|http|platform)/', '^src/auth/(guards|sessions)\\.ts$', `^src/[^/]+/${publicModule}`] },
    },
    {
      name: 'panel-uses-public-modules',
      severity: 'error',
      comment: `The panel uses a feature through its public modules only (${publicModules.join(', ')}).`,
      from: { path: '^admin/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/(access|http|platform)/', '^src/auth/(guards|sessions)\\.ts$', `^src/[^/]+/${publicModule}`] },
    },
    {
      name: 'worker-uses-public-modules',
      severity: 'error',
      comment: `The worker is the other half of src/ais (jobs, states, model, recovery); other features through their public modules only.`,
      from: { path: '^ai-worker/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/(access|http|platform|ais)/', `^src/[^/]+/${publicModule}`] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
