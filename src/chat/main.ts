// chat process: uWebSockets.js server (native binary only). The chat protocol joins it with the chat issue and
// WebSocket tickets with the auth issue; until then /ws refuses every upgrade with 401.
import { createContext } from '../context.js';
import { runProcess } from '../platform/lifecycle.js';
import { startChat } from './server.js';
import { assertNativeUws } from './uws.js';

await runProcess('chat', async (config, logger) => {
  // checked before anything is opened: without the native binary the process must not start at all
  assertNativeUws();
  const ctx = await createContext(config, { service: 'chat', logger });
  const chat = await startChat(ctx);
  return async () => {
    await chat.stop();
    await ctx.close();
  };
});
