// api process: member REST API, OpenAPI docs and health (AdminJS joins it with the admin issue).
import { startApi } from './api-server.js';
import { createContext } from './context.js';
import { runProcess } from './platform/lifecycle.js';
import { migrate, pendingMigrations } from './platform/migrate.js';

await runProcess('api', async (config, logger) => {
  if (config.migrateOnStart) {
    const { applied } = await migrate(config);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } else {
    const pending = await pendingMigrations(config);
    if (pending.length) throw new Error(`the database schema is behind (pending: ${pending.join(', ')}): run the migrate command (npm run db:migrate) or set MIGRATE_ON_START=true`);
  }
  const ctx = await createContext(config, { service: 'api', logger });
  // the api records AI jobs that end failed outside their processor too (not awaited: Redis may come later)
  const aiRecovery = ctx.services.ais.recovery();
  aiRecovery.start().catch((err: unknown) => logger.warn({ err }, 'AI job recovery did not start'));
  const api = await startApi(ctx);
  return async () => {
    await api.stop();
    await aiRecovery.stop();
    await ctx.close();
  };
});
