// chat process: the uWebSockets.js chat server (native binary only): /ws with the chat protocol
// (docs/chat-protocol.md), /healthz, /readyz and /metrics. SIGTERM writes pending messages, then closes sockets with 1001.
import { createContext } from '../context.js';
import { runProcess } from '../platform/lifecycle.js';
import { requireCurrentSchema } from '../platform/preflight.js';
import { missingChatNodeFlags } from './node-flags.js';
import { startChat } from './server.js';
import { assertNativeUws } from './uws.js';

await runProcess('chat', async (config, logger) => {
  // checked before anything is opened: without the native binary the process must not start at all
  assertNativeUws();
  await requireCurrentSchema(config, 'run the migrate command (npm run db:migrate) first');
  const missing = missingChatNodeFlags();
  if (missing.length) logger.warn({ missing }, 'chat started without its node flags: its tail latency under load is worse (src/chat/node-flags.ts)');
  const ctx = await createContext(config, { service: 'chat', logger });
  const chat = await startChat(ctx);
  return async () => {
    await chat.stop();
    await ctx.close();
  };
});
