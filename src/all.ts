// `npm start`: everything in one process for a laptop, on the embedded default (SQLite file + local Redis).
// Applies pending migrations first, then runs the api, the chat server and the worker (AI jobs, thumbnails) on one shared
// context. Production runs each process on its own (see docs/operations.md).
import { heartbeatKey, startWorkerHeartbeat } from '../ai-worker/heartbeat.js';
import { startNotificationWorker } from '../ai-worker/notifications.js';
import { startAiWorkers } from '../ai-worker/processors.js';
import { startThumbnailWorker } from '../ai-worker/thumbnails.js';
import { localOrigin, startApi, startupMessage } from './api-server.js';
import { startChat } from './chat/server.js';
import { createContext } from './context.js';
import { runProcess } from './platform/lifecycle.js';
import { migrate } from './platform/migrate.js';

await runProcess('agora', async (config, logger) => {
  const { applied, modified } = await migrate(config);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  if (modified.length) logger.warn({ modified }, 'applied migrations were modified afterwards');
  const ctx = await createContext(config, { service: 'agora', logger });
  const api = await startApi(ctx);
  const chat = await startChat(ctx);
  const aiWorkers = await startAiWorkers(ctx);
  const thumbnails = await startThumbnailWorker(ctx);
  const notifications = await startNotificationWorker(ctx);
  const worker = startWorkerHeartbeat(ctx);
  await worker.ready;
  logger.info({ worker: heartbeatKey() }, 'ai-worker running');
  logger.info(startupMessage(localOrigin(config.host, api.port), `; chat on port ${chat.port}`));
  return async () => {
    await Promise.all([api.stop(), chat.stop(), worker.stop(), aiWorkers.close(), thumbnails.close(), notifications.close()]);
    await ctx.close();
  };
});
