// api process: member REST API, OpenAPI docs and health (AdminJS joins it with the admin issue).
import { startApi } from './api-server.js';
import { loadConfigOrExit } from './config.js';
import { createContext } from './context.js';
import { onShutdownSignal } from './platform/lifecycle.js';
import { createLogger } from './platform/logger.js';
import { migrate, pendingMigrations } from './platform/migrate.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'api');
try {
  if (config.migrateOnStart) {
    const { applied } = await migrate(config);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } else {
    const pending = await pendingMigrations(config);
    if (pending.length) {
      logger.fatal({ pending }, 'the database schema is behind: run `npm run db:migrate` (or set MIGRATE_ON_START=true)');
      process.exit(1);
    }
  }
  const ctx = await createContext(config, { service: 'api', logger });
  const api = await startApi(ctx);
  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    await api.stop();
    await ctx.close();
  });
} catch (e) {
  logger.fatal({ err: e }, 'api failed to start');
  process.exit(1);
}
