// ai-worker process: for now a shell that shares the context and reports liveness through a Redis heartbeat
// (checked by ai-worker/healthcheck.ts). The BullMQ consumers of the ai-train and ai-predict queues
// (queueNames in src/platform/queue.ts) join this process with the AI issue.
import { createContext } from '../src/context.js';
import { runProcess } from '../src/platform/lifecycle.js';
import { startWorkerHeartbeat } from './heartbeat.js';

await runProcess('ai-worker', async (config, logger) => {
  const ctx = await createContext(config, { service: 'ai-worker', logger });
  const heartbeat = startWorkerHeartbeat(ctx);
  await heartbeat.ready;
  logger.info({ key: heartbeat.key }, 'ai-worker started');
  return async () => {
    await heartbeat.stop();
    await ctx.close();
  };
});
