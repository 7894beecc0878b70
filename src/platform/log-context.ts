// What a log line should carry about the work in progress (request, connection or job ids, user id),
// kept in AsyncLocalStorage so that any logger call or audit record made while serving it picks it up.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  requestId?: string;
  /** The client's address (honouring `trust proxy`), for audit records. */
  ip?: string;
  userId?: number;
  connectionId?: string;
  jobId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the current request/connection/job, or undefined outside one. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Adds to the current context (e.g. the user id once a token is verified). */
export function setLogContext(values: Partial<LogContext>): void {
  const store = storage.getStore();
  if (store) Object.assign(store, values);
}
