// Completion events of AI jobs over Redis pub/sub. The worker publishes one message per final state on one
// channel per deployment; each api process keeps a single subscriber connection (opened on first use) and
// hands messages to the local listeners of that AiLog (the SSE streams). A message lost while the subscriber
// was reconnecting is covered: after every reconnect all listeners are told to re-read the row.
import { ChannelHub } from '../platform/channel-hub.js';
import type { Logger } from '../platform/logger.js';
import { prefixedChannel, redisChannels } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';
import type { AiEvent } from './jobs.js';

export const aiEventsChannel = (redisPrefix: string) => prefixedChannel(redisPrefix, redisChannels.aiEvents());

/** Publishes events in one round trip; a failure is logged (polling GET /ailogs/:id always works). */
export async function publishAiEvents(redis: Redis, redisPrefix: string, events: AiEvent[], logger: Logger): Promise<void> {
  if (!events.length) return;
  const channel = aiEventsChannel(redisPrefix);
  const p = redis.pipeline();
  for (const e of events) p.publish(channel, JSON.stringify(e));
  try {
    await p.exec();
  } catch (err) {
    logger.warn({ err: (err as Error).message, events: events.length }, 'could not publish AI events');
  }
}

/** The api process's subscriber to AI events: listeners by AiLog id, told to re-read the row after a reconnect. */
export class AiEventHub extends ChannelHub<undefined> {
  constructor(redis: Redis, redisPrefix: string, logger: Logger) {
    super(redis, logger, {
      channel: aiEventsChannel(redisPrefix),
      connectionName: 'agora-ai-events',
      what: 'AI events',
      route: (message) => {
        let e: AiEvent;
        try {
          e = JSON.parse(message) as AiEvent;
        } catch {
          return null;
        }
        return e.type === 'ailog' ? { id: e.id, arg: undefined } : null;
      },
      // what was published while the connection was down is recovered by re-reading
      onReconnect: { arg: undefined },
    });
  }
}
