// ai-worker process: for now a shell that shares the context and reports liveness through a Redis heartbeat
// (checked by ai-worker/healthcheck.ts). The BullMQ consumers of the ai-train and ai-predict queues
// (queueNames in src/platform/queue.ts) join this process with the AI issue.
import { loadConfigOrExit } from '../src/config.js';
import { createContext } from '../src/context.js';
import { onShutdownSignal } from '../src/platform/lifecycle.js';
import { createLogger } from '../src/platform/logger.js';
import { startWorkerHeartbeat } from './heartbeat.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'ai-worker');
try {
  const ctx = await createContext(config, { service: 'ai-worker', logger });
  const heartbeat = startWorkerHeartbeat(ctx);
  await heartbeat.ready;
  logger.info({ key: heartbeat.key }, 'ai-worker started');
  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    await heartbeat.stop();
    await ctx.close();
  });
} catch (e) {
  logger.fatal({ err: e }, 'ai-worker failed to start');
  process.exit(1);
}
