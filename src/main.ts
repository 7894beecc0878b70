// api process: member REST API, admin panel (/admin), OpenAPI docs and health.
import { localOrigin, startApi, startupMessage } from './api-server.js';
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
  // the api records AI jobs that end failed outside their processor too (not awaited: Redis may come later)
  const aiRecovery = ctx.services.ais.recovery();
  aiRecovery.start().catch((err: unknown) => logger.warn({ err }, 'AI job recovery did not start'));
  const api = await startApi(ctx);
  logger.info(startupMessage(localOrigin(config.host, api.port)));
  return async () => {
    await api.stop();
    await aiRecovery.stop();
    await ctx.close();
  };
});
