import { loadConfigOrExit, type Config } from '../config.js';
import { createLogger, type Logger } from './logger.js';

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

/**
 * The life of a process entry: load the config (one line and exit 1 when it is bad), make the logger, run
 * `start`, and on SIGTERM/SIGINT run the stop function it returned. A failed start logs and exits 1.
 */
export async function runProcess(service: string, start: (config: Config, logger: Logger) => Promise<() => Promise<void>>): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, service);
  try {
    const stop = await start(config, logger);
    onShutdownSignal(logger, config.shutdownTimeoutMs, stop);
  } catch (e) {
    logger.fatal({ err: e }, `${service} failed to start`);
    logger.flush?.();
    process.exit(1);
  }
}
