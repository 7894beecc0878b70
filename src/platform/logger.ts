// The one logger factory of every process (api, chat, ai-worker, cli): JSON lines with `service` and
// `version`, the current request/connection/job ids (AsyncLocalStorage), secrets redacted. Pretty output
// only on a terminal outside production; optional rotated file output (pino-roll) with LOG_FILE.
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { currentLogContext } from './log-context.js';
import { packageVersion } from './paths.js';

export type { Logger };

const secretKeys = ['password', 'currentPassword', 'passwordHash', 'token', 'accessToken', 'access_token', 'refreshToken', 'resetToken', 'ticket', 'authorization', 'cookie'];

/** Paths whose values never reach a log line: secret keys at the top level and one or two levels down. */
export const redactPaths = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', ...secretKeys, ...secretKeys.map((k) => `*.${k}`), ...secretKeys.map((k) => `*.*.${k}`)];

type LogConfig = Pick<Config, 'logLevel' | 'nodeEnv'> & Partial<Pick<Config, 'log'>>;

function transportFor(config: LogConfig): pino.TransportMultiOptions | undefined {
  const targets: pino.TransportTargetOptions[] = [];
  const pretty = process.stdout.isTTY === true && config.nodeEnv !== 'production' && config.log?.pretty !== false;
  if (!pretty && !config.log?.file) return undefined;
  targets.push(
    pretty
      ? { target: 'pino-pretty', level: config.logLevel, options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,version' } }
      : { target: 'pino/file', level: config.logLevel, options: { destination: 1 } },
  );
  if (config.log?.file) {
    targets.push({
      target: 'pino-roll',
      level: config.logLevel,
      options: { file: config.log.file, frequency: config.log.fileFrequency, size: config.log.fileSize, limit: { count: config.log.fileCount }, mkdir: true },
    });
  }
  return { targets };
}

export function createLogger(config: LogConfig, service: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service, version: packageVersion },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => ({ ...currentLogContext() }),
  };
  if (destination) return pino(options, destination);
  const transport = transportFor(config);
  return transport ? pino({ ...options, transport }) : pino(options);
}
