// A replica that subscribes to a session's channel says hello on it and waits until every other subscriber (the
// other replicas there) has acknowledged, so that none of them keeps that session's frames to itself any more
// (bus.ts). A replica that misses the window is logged and the join goes on; a hello that cannot be published
// fails the join (the other replicas may not know this one listens).
import type { Logger } from '../platform/logger.js';
import type { ChatBus } from './bus.js';

/** How long a replica that subscribed to a session waits for the other replicas to acknowledge its hello. */
const HELLO_TIMEOUT_MS = 2_000;

/**
 * Says hello on the session's channel and resolves once every other subscriber has acknowledged it (or the
 * window has passed). `onAck` receives the function to call for each acknowledgement, and undefined once done.
 */
export function helloAndWaitForAcks(bus: ChatBus, sessionId: number, log: Logger, onAck: (ack: (() => void) | undefined) => void): Promise<void> {
  let acks = 0;
  let others = Infinity;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (acks < others) return;
      clearTimeout(timer);
      onAck(undefined);
      resolve();
    };
    onAck(() => {
      acks++;
      check();
    });
    timer = setTimeout(() => {
      log.warn({ sessionId, acks, others }, 'chat: not every replica acknowledged the hello in time');
      others = acks;
      check();
    }, HELLO_TIMEOUT_MS);
    timer.unref();
    bus.hello(sessionId).then(
      (subscribers) => {
        others = subscribers - 1; // this replica is one of them
        check();
      },
      (e: unknown) => {
        clearTimeout(timer);
        onAck(undefined);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
