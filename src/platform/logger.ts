import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { packageVersion } from './paths.js';

export type { Logger };

/** Paths whose values never reach a log line. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.ticket',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>, service: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service, version: packageVersion },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
