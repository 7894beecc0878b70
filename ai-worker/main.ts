// ai-worker process: the BullMQ consumers of the ai-train and ai-predict queues (ai-worker/processors.ts) and of
// the file-thumbnails queue (ai-worker/thumbnails.ts) on a
// shared context, plus a liveness heartbeat in Redis (checked by ai-worker/healthcheck.ts). On SIGTERM it stops
// taking jobs, lets the running ones finish and writes their results before closing.
import { createContext } from '../src/context.js';
import { runProcess } from '../src/platform/lifecycle.js';
import { requireCurrentSchema } from '../src/platform/preflight.js';
import { startWorkerHeartbeat } from './heartbeat.js';
import { startNotificationWorker } from './notifications.js';
import { startAiWorkers } from './processors.js';
import { startThumbnailWorker } from './thumbnails.js';

await runProcess('ai-worker', async (config, logger) => {
  await requireCurrentSchema(config, 'run the migrate command (npm run db:migrate) first');
  const ctx = await createContext(config, { service: 'ai-worker', logger });
  const workers = await startAiWorkers(ctx);
  const thumbnails = await startThumbnailWorker(ctx);
  const notifications = await startNotificationWorker(ctx);
  const heartbeat = startWorkerHeartbeat(ctx);
  await heartbeat.ready;
  logger.info({ key: heartbeat.key, trainConcurrency: config.ai.trainConcurrency, predictConcurrency: config.ai.predictConcurrency }, 'ai-worker started');
  return async () => {
    await heartbeat.stop();
    await Promise.all([workers.close(), thumbnails.close(), notifications.close()]);
    await ctx.close();
  };
});
