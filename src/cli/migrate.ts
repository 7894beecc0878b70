// `npm run db:migrate` / `node dist/src/cli/migrate.js`: apply the committed migrations of the configured
// database (what the compose file's one-shot `migrate` service runs). Exit 0 when the schema is current.
import { loadConfigOrExit } from '../config.js';
import { MigrationError, migrate } from '../platform/migrate.js';
import { checkDatabase, StartupError } from '../platform/preflight.js';

const config = loadConfigOrExit();
try {
  await checkDatabase(config);
  const { applied, modified } = await migrate(config);
  for (const m of modified) process.stderr.write(`warning: migration ${m} was modified after it was applied\n`);
  process.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'No pending migrations to apply.\n');
} catch (e) {
  if (e instanceof StartupError) process.stderr.write(`agora: ${e.message}\n`);
  else process.stderr.write(`agora: migrate failed: ${e instanceof MigrationError ? e.message : ((e as Error).stack ?? String(e))}\n`);
  process.exit(1);
}
