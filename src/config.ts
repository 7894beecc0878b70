// Every setting comes from the environment (and `.env`), is validated once with ajv against its declaration in
// src/config-schema.ts, and becomes one typed, frozen Config. A bad or missing setting stops the process with one
// line naming the variable.
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import dotenv from 'dotenv';
import { declared, envSchema, settingNames, settings, type RawConfig } from './config-schema.js';
import { developmentSecrets, secretWeakness } from './platform/secrets.js';

export type NodeEnv = RawConfig['NODE_ENV'];
export type DatabaseProvider = 'sqlite' | 'mysql';

export interface Config {
  nodeEnv: NodeEnv;
  logLevel: string;
  host: string;
  port: number;
  chatPort: number;
  /** As given; for SQLite always `file:<absolute path>`. */
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  /** Absolute path of the SQLite file (SQLite only). */
  sqlitePath: string | null;
  redisUrl: string;
  /** Prefix of every Redis key this deployment writes (queues included). */
  redisPrefix: string;
  mongodbUrl: string | null;
  uploadsDir: string;
  /** Attachment limits, the allow-list of sniffed content types (`type/*` allowed), and the orphan sweep's period and grace (src/files/sweep.ts). */
  uploads: { maxFileBytes: number; maxFiles: number; maxTotalBytes: number; allowedTypes: string[]; sweepIntervalSeconds: number; orphanGraceSeconds: number; fileUrlTtlSeconds: number };
  dataDir: string;
  jwtSecret: string;
  sessionSecret: string;
  bodyLimit: string;
  trustProxy: boolean | number | string;
  migrateOnStart: boolean;
  shutdownTimeoutMs: number;
  /** Load shedding of the api (src/http/overload.ts); 0 turns a signal off. */
  overload: { maxEventLoopDelayMs: number; sampleMs: number; maxInFlight: number; retryAfterSeconds: number };
  /** Base URL members reach Agora at (links in mails); http://localhost:PORT when PUBLIC_URL is unset. */
  publicUrl: string;
  auth: {
    accessTokenTtlSeconds: number;
    refreshIdleTtlSeconds: number;
    refreshAbsoluteTtlSeconds: number;
    /** A just-rotated refresh token presented again within this many seconds gets the same successor. */
    refreshReuseGraceSeconds: number;
    cookieSecure: boolean;
    /** Login attempts per client address; failed ones per (account, address) pair and per account from all addresses. */
    loginRateLimitPerIp: number;
    loginRateLimitPerAccount: number;
    loginRateLimitAccountGlobal: number;
    loginRateWindowSeconds: number;
    signupRateLimitPerIp: number;
    signupRateWindowSeconds: number;
    reportRateLimit: number;
    reportRateWindowSeconds: number;
    passwordResetTtlSeconds: number;
    /** Reset requests per address (known or not) and per client address, in one window. */
    passwordResetRateLimitPerAddress: number;
    passwordResetRateLimitPerIp: number;
    passwordResetRateWindowSeconds: number;
    /** Password hashes computed at once in this process; a caller waits at most passwordHashWaitMs for a slot, then gets a 503. */
    passwordHashConcurrency: number;
    passwordHashWaitMs: number;
  };
  log: {
    /** false turns pretty terminal output off; it is only ever on for a TTY outside production. */
    pretty: boolean;
    /** Also write JSON lines to this file, rotated (pino-roll). */
    file: string | null;
    fileFrequency: RawConfig['LOG_FILE_FREQUENCY'];
    fileSize: string;
    fileCount: number;
  };
  audit: {
    retentionDays: number;
  };
  /** Notifications (src/notifications, ai-worker/notifications.ts). */
  notifications: {
    retentionDays: number;
    concurrency: number;
  };
  /** AI models (src/ais, ai-worker): queue concurrency, limits, retries and stalled-job recovery. */
  ai: {
    trainConcurrency: number;
    predictConcurrency: number;
    /** Most inputs one batch prediction request may carry. */
    batchLimit: number;
    /** Most data rows, and bytes, of an uploaded dataset. */
    datasetMaxRows: number;
    datasetMaxBytes: number;
    /** Attempts per job (transient errors retry with exponential backoff from backoffMs; invalid input never). */
    jobAttempts: number;
    backoffMs: number;
    /** A job whose worker stops renewing its lock (every lockDurationMs/2) is taken back by the stalled check (every stalledIntervalMs): within lockDurationMs + stalledIntervalMs of a crash. */
    lockDurationMs: number;
    stalledIntervalMs: number;
  };
  /** Anonymous visitors may read public boards. */
  anonymousRead: boolean;
  /** Admin-panel session lifetime (seconds since the last request). */
  adminSessionTtlSeconds: number;
  views: {
    /** A viewer counts once per post within this window. */
    dedupWindowSeconds: number;
    /** Buffered views are written to the database this often (and on shutdown). */
    flushIntervalMs: number;
  };
  mail: {
    /** smtp(s):// URL; null: messages are written as JSON files to outboxDir. */
    smtpUrl: string | null;
    from: string;
    outboxDir: string;
  };
  /** The chat server (src/chat): limits, backpressure and group commit. */
  chat: {
    /** Largest WebSocket frame accepted; a larger one closes the connection (uWS maxPayloadLength). */
    maxPayloadBytes: number;
    /** Longest message content, in characters. */
    maxMessageLength: number;
    /** A socket with more than this many bytes waiting to be sent is a slow consumer and is disconnected. */
    maxBackpressureBytes: number;
    /** Seconds without traffic before a socket is closed (pings are sent automatically before that). */
    idleTimeoutSeconds: number;
    /** Per-user send rate limit (token bucket per replica): sustained messages per second, and burst. */
    sendRatePerSecond: number;
    sendBurst: number;
    /** Group commit: pending messages are written at most this many ms after the first arrived... */
    flushIntervalMs: number;
    /** ...or as soon as this many are pending. */
    flushMaxBatch: number;
    /** Invalid frames a socket may send before it is closed (1008). */
    maxInvalidFrames: number;
    /** Per socket and frame class (join/leave, typing, edit/delete, ping): sustained frames per second, and burst. */
    frameRatePerSecond: number;
    frameBurst: number;
    /** Per socket: `history` requests per second, and burst. */
    historyRatePerSecond: number;
    historyBurst: number;
    /** A user's typing reaches a session at most once per this many ms (per replica; 0: every accepted frame). */
    typingIntervalMs: number;
    /** Sessions with more members get no `read` frames. */
    receiptsMaxMembers: number;
    /** The most messages a `join` with `after` replays. */
    resumeMax: number;
    /** Messages that cannot be stored: the first logged in full, then a count per this many ms. */
    writeFailureLogIntervalMs: number;
  };
  /** Bearer token that GET /metrics (chat port) requires; null: /metrics is refused. */
  metricsToken: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

export const configVariables: readonly string[] = settingNames;

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false });
const validateEnv = ajv.compile<RawConfig>(envSchema);

function describe(err: ErrorObject, raw: Record<string, unknown>): ConfigError {
  const variable = err.instancePath.replace(/^\//, '') || 'environment';
  const got = raw[variable] === undefined || variable === 'METRICS_TOKEN' ? '' : ` (got ${JSON.stringify(raw[variable])})`; // a token is not echoed
  const rule =
    declared[variable]?.hint ??
    (err.keyword === 'type' && err.params.type === 'integer'
      ? 'must be an integer'
      : err.keyword === 'enum'
        ? `must be one of ${(err.params.allowedValues as string[]).join(', ')}`
        : (err.message ?? 'is invalid'));
  const range = err.keyword === 'minimum' || err.keyword === 'maximum' ? (err.message ?? rule) : rule;
  return new ConfigError(variable, `${range}${got}`);
}

function parseTrustProxy(v: string): boolean | number | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v; // express accepts addresses, subnets and names such as "loopback"
}

export interface LoadConfigOptions {
  /** Read `.env` from the working directory into `env` first, never overriding what is set (entry points do; tests do not). */
  dotenv?: boolean;
  cwd?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadConfigOptions = {}): Config {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.dotenv) dotenv.config({ path: path.join(cwd, '.env'), quiet: true, processEnv: env });
  const raw: Record<string, unknown> = {};
  for (const key of configVariables) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const v = { ...raw };
  if (!validateEnv(v)) throw describe(validateEnv.errors![0], raw);

  const nodeEnv = v.NODE_ENV;
  const resolve = (p: string) => path.resolve(cwd, p);
  const dataDir = resolve(v.DATA_DIR);

  let databaseUrl = v.DATABASE_URL;
  let sqlitePath: string | null = null;
  const databaseProvider: DatabaseProvider = databaseUrl.startsWith('file:') ? 'sqlite' : 'mysql';
  if (databaseProvider === 'sqlite') {
    sqlitePath = resolve(databaseUrl.slice('file:'.length).replace(/\?.*$/, ''));
    databaseUrl = `file:${sqlitePath}`;
  } else {
    try {
      const u = new URL(databaseUrl);
      if (!u.hostname || u.pathname.length < 2) throw new Error();
    } catch {
      throw new ConfigError('DATABASE_URL', `${settings.DATABASE_URL.hint} (the database name is missing or the URL is malformed)`);
    }
  }

  let jwtSecret = v.JWT_SECRET;
  let sessionSecret = v.SESSION_SECRET;
  if (nodeEnv === 'production') {
    if (!jwtSecret) throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
    if (!sessionSecret) throw new ConfigError('SESSION_SECRET', 'is required when NODE_ENV=production');
  }
  if (!jwtSecret || !sessionSecret) {
    const generated = developmentSecrets(dataDir);
    jwtSecret ??= generated.jwtSecret;
    sessionSecret ??= generated.sessionSecret;
  }
  for (const [name, value] of [
    ['JWT_SECRET', jwtSecret],
    ['SESSION_SECRET', sessionSecret],
  ] as const) {
    const weakness = secretWeakness(value);
    if (weakness) throw new ConfigError(name, weakness);
  }
  if (jwtSecret === sessionSecret) throw new ConfigError('SESSION_SECRET', 'must differ from JWT_SECRET');

  return Object.freeze({
    nodeEnv,
    logLevel: v.LOG_LEVEL,
    host: v.HOST,
    port: v.PORT,
    chatPort: v.CHAT_PORT,
    databaseUrl,
    databaseProvider,
    sqlitePath,
    redisUrl: v.REDIS_URL,
    redisPrefix: v.REDIS_PREFIX,
    mongodbUrl: v.MONGODB_URL ?? null,
    uploadsDir: resolve(v.UPLOADS_DIR),
    uploads: {
      maxFileBytes: v.UPLOAD_MAX_FILE_BYTES,
      maxFiles: v.UPLOAD_MAX_FILES,
      maxTotalBytes: v.UPLOAD_MAX_TOTAL_BYTES,
      allowedTypes: v.UPLOAD_ALLOWED_TYPES.split(','),
      sweepIntervalSeconds: v.UPLOAD_SWEEP_INTERVAL_SECONDS,
      orphanGraceSeconds: v.UPLOAD_ORPHAN_GRACE_SECONDS,
      fileUrlTtlSeconds: v.FILE_URL_TTL_SECONDS,
    },
    dataDir,
    jwtSecret,
    sessionSecret,
    bodyLimit: v.BODY_LIMIT,
    trustProxy: parseTrustProxy(v.TRUST_PROXY),
    migrateOnStart: v.MIGRATE_ON_START,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    overload: Object.freeze({
      // off in the test suites, which run in parallel on busy machines: the suites that test shedding set it
      maxEventLoopDelayMs: v.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS ?? (nodeEnv === 'test' ? 0 : 200),
      sampleMs: v.OVERLOAD_SAMPLE_MS,
      maxInFlight: v.OVERLOAD_MAX_IN_FLIGHT,
      retryAfterSeconds: v.OVERLOAD_RETRY_AFTER_SECONDS,
    }),
    // unset: the address this api listens on from this machine, so mailed links follow PORT
    publicUrl: (v.PUBLIC_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, ''),
    auth: Object.freeze({
      accessTokenTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS,
      refreshIdleTtlSeconds: v.REFRESH_IDLE_TTL_SECONDS,
      refreshAbsoluteTtlSeconds: v.REFRESH_ABSOLUTE_TTL_SECONDS,
      refreshReuseGraceSeconds: v.REFRESH_REUSE_GRACE_SECONDS,
      cookieSecure: v.COOKIE_SECURE ?? nodeEnv === 'production',
      loginRateLimitPerIp: v.LOGIN_RATE_LIMIT_IP,
      loginRateLimitPerAccount: v.LOGIN_RATE_LIMIT_ACCOUNT,
      loginRateLimitAccountGlobal: v.LOGIN_RATE_LIMIT_ACCOUNT_GLOBAL,
      loginRateWindowSeconds: v.LOGIN_RATE_WINDOW_SECONDS,
      signupRateLimitPerIp: v.SIGNUP_RATE_LIMIT_IP,
      signupRateWindowSeconds: v.SIGNUP_RATE_WINDOW_SECONDS,
      reportRateLimit: v.REPORT_RATE_LIMIT,
      reportRateWindowSeconds: v.REPORT_RATE_WINDOW_SECONDS,
      passwordResetTtlSeconds: v.PASSWORD_RESET_TTL_SECONDS,
      passwordResetRateLimitPerAddress: v.PASSWORD_RESET_RATE_LIMIT_ADDRESS,
      passwordResetRateLimitPerIp: v.PASSWORD_RESET_RATE_LIMIT_IP,
      passwordResetRateWindowSeconds: v.PASSWORD_RESET_RATE_WINDOW_SECONDS,
      passwordHashConcurrency: v.PASSWORD_HASH_CONCURRENCY,
      passwordHashWaitMs: v.PASSWORD_HASH_WAIT_MS,
    }),
    log: Object.freeze({
      pretty: v.LOG_PRETTY,
      file: v.LOG_FILE ? resolve(v.LOG_FILE) : null,
      fileFrequency: v.LOG_FILE_FREQUENCY,
      fileSize: v.LOG_FILE_SIZE,
      fileCount: v.LOG_FILE_COUNT,
    }),
    audit: Object.freeze({ retentionDays: v.AUDIT_RETENTION_DAYS }),
    notifications: Object.freeze({ retentionDays: v.NOTIFICATION_RETENTION_DAYS, concurrency: v.NOTIFICATION_CONCURRENCY }),
    anonymousRead: v.ANONYMOUS_READ,
    adminSessionTtlSeconds: v.ADMIN_SESSION_TTL_SECONDS,
    views: Object.freeze({ dedupWindowSeconds: v.VIEW_DEDUP_WINDOW_SECONDS, flushIntervalMs: v.VIEW_FLUSH_INTERVAL_MS }),
    ai: Object.freeze({
      trainConcurrency: v.AI_TRAIN_CONCURRENCY,
      predictConcurrency: v.AI_PREDICT_CONCURRENCY,
      batchLimit: v.AI_BATCH_LIMIT,
      datasetMaxRows: v.AI_DATASET_MAX_ROWS,
      datasetMaxBytes: v.AI_DATASET_MAX_BYTES,
      jobAttempts: v.AI_JOB_ATTEMPTS,
      backoffMs: v.AI_JOB_BACKOFF_MS,
      lockDurationMs: v.AI_LOCK_DURATION_MS,
      stalledIntervalMs: v.AI_STALLED_INTERVAL_MS,
    }),
    mail: Object.freeze({
      smtpUrl: v.SMTP_URL ?? null,
      from: v.MAIL_FROM,
      outboxDir: resolve(v.MAIL_OUTBOX_DIR),
    }),
    chat: Object.freeze({
      maxPayloadBytes: v.CHAT_MAX_PAYLOAD_BYTES,
      maxMessageLength: v.CHAT_MAX_MESSAGE_LENGTH,
      maxBackpressureBytes: v.CHAT_MAX_BACKPRESSURE_BYTES,
      idleTimeoutSeconds: v.CHAT_IDLE_TIMEOUT_SECONDS,
      sendRatePerSecond: v.CHAT_SEND_RATE_PER_SECOND,
      sendBurst: v.CHAT_SEND_BURST,
      flushIntervalMs: v.CHAT_FLUSH_INTERVAL_MS,
      flushMaxBatch: v.CHAT_FLUSH_MAX_BATCH,
      maxInvalidFrames: v.CHAT_MAX_INVALID_FRAMES,
      frameRatePerSecond: v.CHAT_FRAME_RATE_PER_SECOND,
      frameBurst: v.CHAT_FRAME_BURST,
      historyRatePerSecond: v.CHAT_HISTORY_RATE_PER_SECOND,
      historyBurst: v.CHAT_HISTORY_BURST,
      typingIntervalMs: v.CHAT_TYPING_INTERVAL_MS,
      receiptsMaxMembers: v.CHAT_RECEIPTS_MAX_MEMBERS,
      resumeMax: v.CHAT_RESUME_MAX,
      writeFailureLogIntervalMs: v.CHAT_WRITE_FAILURE_LOG_INTERVAL_MS,
    }),
    metricsToken: v.METRICS_TOKEN ?? null,
  });
}

/** For entry points: load the config or print one line naming the variable and exit 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env, { dotenv: true });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`agora: configuration error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
