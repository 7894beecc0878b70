import { loadConfigOrExit, type Config } from '../config.js';
import { createLogger, type Logger } from './logger.js';
import { checkServices, StartupError } from './preflight.js';

/**
 * Runs `shutdown` once on SIGTERM or SIGINT, then exits: 0 when it finished within `timeoutMs`,
 * 1 when it did not (the process is then stopped anyway, so an orchestrator never waits forever).
 */
export function onShutdownSignal(logger: Logger, timeoutMs: number, shutdown: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    shutdown(signal).then(
      () => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}

/** The StartupErrors `e` consists of (it may be an AggregateError of them), or null when it is anything else. */
function startupErrors(e: unknown): StartupError[] | null {
  const all: unknown[] = e instanceof AggregateError ? e.errors : [e];
  return all.every((x) => x instanceof StartupError) ? all : null;
}

/**
 * The life of a process entry: load the config (one line and exit 1 when it is bad), make the logger, check that
 * Redis and the database answer, run `start`, and on SIGTERM/SIGINT run the stop function it returned. A failed
 * start exits 1: a StartupError (a service unreachable, the schema behind) as one line on stderr saying what to
 * do, anything else as a fatal log entry with its stack.
 */
export async function runProcess(service: string, start: (config: Config, logger: Logger) => Promise<() => Promise<void>>): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, service);
  // the signal handlers come first: a process that already answers (its port open while `start` finishes)
  // must stop cleanly on SIGTERM, not die of the signal's default action; a signal during start stops it once started
  let started: Promise<() => Promise<void>> | undefined;
  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    if (started) await (await started)();
  });
  try {
    await checkServices(config);
    started = start(config, logger);
    await started;
  } catch (e) {
    const known = startupErrors(e);
    if (known) for (const err of known) process.stderr.write(`agora: ${err.message}\n`);
    else logger.fatal({ err: e }, `${service} failed to start`);
    logger.flush?.();
    process.exit(1);
  }
}
