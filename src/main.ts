// api process: member REST API, the admin panel, OpenAPI docs and health.
import { startApi } from './api-server.js';
import { createContext } from './context.js';
import { runProcess } from './platform/lifecycle.js';
import { migrate } from './platform/migrate.js';
import { requireCurrentSchema } from './platform/preflight.js';

await runProcess('api', async (config, logger) => {
  if (config.migrateOnStart) {
    const { applied } = await migrate(config);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } else {
    await requireCurrentSchema(config, 'run the migrate command (npm run db:migrate) or set MIGRATE_ON_START=true');
  }
  const ctx = await createContext(config, { service: 'api', logger });
  const api = await startApi(ctx);
  return async () => {
    await api.stop();
    await ctx.close();
  };
});
