// The node flags the chat process runs with: `npm run start:chat`, docker-compose.yml and bench:chat pass them, and
// src/chat/main.ts warns when one is missing.
//   --single-threaded-gc  V8 collects garbage on the event loop's own thread instead of handing parts of the work to
//                         helper threads. On a busy core those threads take the CPU from the loop just when it wakes
//                         from a commit's fsync (the scheduler favours threads that sleep most of the time), which
//                         holds acks and deliveries back (measurements:
//                         docs/decisions/0005-chat-gc-and-checkpointer-priority.md).
export const CHAT_NODE_FLAGS = ['--single-threaded-gc'] as const;

/** The flags of CHAT_NODE_FLAGS this process was started without. */
export function missingChatNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return CHAT_NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
