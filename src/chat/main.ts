// chat process: uWebSockets.js server (native binary only). The chat protocol joins it with the chat issue and
// WebSocket tickets with the auth issue; until then /ws refuses every upgrade with 401.
import { loadConfigOrExit } from '../config.js';
import { createContext } from '../context.js';
import { onShutdownSignal } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';
import { startChat } from './server.js';
import { assertNativeUws } from './uws.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'chat');
try {
  // checked before anything is opened: without the native binary the process must not start at all
  assertNativeUws();
} catch (e) {
  logger.fatal((e as Error).message);
  logger.flush?.();
  process.exit(1);
}
try {
  const ctx = await createContext(config, { service: 'chat', logger });
  const chat = await startChat(ctx);
  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    await chat.stop();
    await ctx.close();
  });
} catch (e) {
  logger.fatal({ err: e }, 'chat failed to start');
  process.exit(1);
}
