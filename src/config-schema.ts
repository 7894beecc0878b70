// Every environment variable Agora reads, declared once: its rule (a JSON Schema, checked by ajv in src/config.ts),
// its default, what it means, and where it is documented. The validation schema, the type of the validated values,
// the configuration table in docs/operations.md and .env.example (`npm run config:docs`) are all derived from here.
// The chat's, AI's and notifications' settings are declared in ./config-schema-workers.ts and listed here last.
import type { FromSchema } from 'json-schema-to-ts';
import { settingGroups, type Setting } from './config-setting.js';
import { workerSettings } from './config-schema-workers.js';

export { settingGroups, type Setting };

/** The settings, in the order they are documented. */
export const settings = {
  NODE_ENV: {
    group: 'server',
    schema: { enum: ['development', 'production', 'test'], default: 'development' },
    doc: '`development`, `production` or `test`. `production` requires real secrets.',
    note: 'development | production | test. production requires JWT_SECRET and SESSION_SECRET.',
  },
  LOG_LEVEL: {
    group: 'server',
    schema: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    doc: 'pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace`, or `silent`.',
  },
  HOST: { group: 'server', schema: { type: 'string', minLength: 1, default: '0.0.0.0' }, doc: 'Interface the api and chat servers bind to.' },
  PORT: { group: 'server', schema: { type: 'integer', minimum: 1, maximum: 65535, default: 3000 }, doc: 'api port (REST API, `/admin`, `/docs`, health).' },
  CHAT_PORT: { group: 'server', schema: { type: 'integer', minimum: 1, maximum: 65535, default: 3001 }, doc: 'chat server port (`/ws`, `/healthz`, `/metrics`).' },
  DATABASE_URL: {
    group: 'stores',
    schema: { type: 'string', pattern: '^(file:.+|mysql://.+|mariadb://.+)$', default: 'file:./data/agora.db' },
    doc: '`file:<path>` for SQLite (relative to the working directory), or `mysql://user:pass@host:3306/db` (or `mariadb://…`) for MySQL/MariaDB.',
    hint: 'must be file:<path> (SQLite) or mysql://user:pass@host:port/db',
    note: 'SQLite file (default) or MySQL/MariaDB: mysql://agora:agora@127.0.0.1:3306/agora',
  },
  REDIS_URL: {
    group: 'stores',
    schema: { type: 'string', pattern: '^rediss?://.+', default: 'redis://127.0.0.1:6379' },
    doc: 'Redis (`rediss://` for TLS; `/N` selects a database).',
    hint: 'must be redis://host:port or rediss://host:port',
  },
  REDIS_PREFIX: {
    group: 'stores',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$', default: 'agora:' },
    doc: 'Prefix of every Redis key and channel; BullMQ queues use `<prefix>bull`. Lets deployments share one Redis.',
    hint: 'must be 1-64 characters of letters, digits and _ . : -',
  },
  MONGODB_URL: {
    group: 'stores',
    schema: { type: 'string', pattern: '^mongodb(\\+srv)?://.+' },
    doc: '`mongodb://…` or `mongodb+srv://…`: MongoDB for the audit log and prediction results. When unset, both stay in SQL.',
    shown: 'unset (off)',
    hint: 'must be mongodb://… or mongodb+srv://…',
    note: 'MongoDB for the audit log; leave unset to keep it in SQL.',
    example: 'mongodb://127.0.0.1:27017/agora',
  },
  UPLOADS_DIR: { group: 'directories', schema: { type: 'string', minLength: 1, default: './uploads' }, doc: 'Where attachments and model artifacts are stored.' },
  DATA_DIR: { group: 'directories', schema: { type: 'string', minLength: 1, default: './data' }, doc: 'Where the development secrets are kept (`secrets.json`, mode 0600).' },
  JWT_SECRET: {
    group: 'secrets',
    schema: { type: 'string' },
    doc: 'Access-token signing key; a key derived from it signs attachment URLs. Required in production: at least 32 random characters.',
    shown: 'generated in development',
  },
  SESSION_SECRET: { group: 'secrets', schema: { type: 'string' }, doc: 'Admin-panel session key. Same rules as `JWT_SECRET`, and must differ from it.', shown: 'generated in development' },
  BODY_LIMIT: {
    group: 'http',
    schema: { type: 'string', pattern: '^\\d+(b|kb|mb)$', default: '1mb' },
    doc: 'Largest JSON request body (`100kb`, `1mb`, …). A larger body gets a 413 problem.',
    hint: 'must be a size such as 100kb or 1mb',
  },
  TRUST_PROXY: { group: 'http', schema: { type: 'string', minLength: 1, default: 'false' }, doc: 'Express `trust proxy`: `true`, a hop count, or the addresses/subnets of your load balancer.' },
  MIGRATE_ON_START: {
    group: 'http',
    schema: { type: 'boolean', default: false },
    doc: 'The api process (`npm run start:api`, `dist/src/main.js`) applies pending migrations before serving. Otherwise it, the chat and the worker refuse to start while migrations are pending. `npm start` always migrates.',
  },
  SHUTDOWN_TIMEOUT_MS: {
    group: 'http',
    schema: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
    doc: 'On SIGTERM/SIGINT a process stops accepting, lets in-flight work finish and closes its clients; one still running after this long exits with code 1.',
  },
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: {
    group: 'http',
    schema: { type: 'integer', minimum: 0, maximum: 60000 },
    shown: '`200`; `0` under `NODE_ENV=test`',
    note: 'Load shedding: 503 overloaded once the event loop is this late (ms, mean of two samples in a row); 0 turns it off',
    example: '200',
    doc: "Load shedding: when the mean event-loop delay of two samples in a row is over this, the api answers new requests with a 503 problem (`overloaded`, `Retry-After`) until a sample is under it again; `/healthz`, `/readyz` and the admin panel's static files are always served. `0` turns this signal off.",
  },
  OVERLOAD_SAMPLE_MS: {
    group: 'http',
    schema: { type: 'integer', minimum: 10, maximum: 60000, default: 500 },
    doc: 'Length of one event-loop delay sample (the delay is measured every 10 ms and averaged over this window).',
  },
  OVERLOAD_MAX_IN_FLIGHT: {
    group: 'http',
    schema: { type: 'integer', minimum: 0, maximum: 1000000, default: 0 },
    doc: 'Load shedding: requests one api process serves at once (event streams not counted); one more gets the 503 `overloaded` at once. `0`: no bound.',
  },
  OVERLOAD_RETRY_AFTER_SECONDS: {
    group: 'http',
    schema: { type: 'integer', minimum: 1, maximum: 3600, default: 2 },
    doc: '`Retry-After` of an `overloaded` 503.',
  },
  PUBLIC_URL: {
    group: 'accounts',
    schema: { type: 'string', pattern: '^https?://[^\\s]+$' },
    doc: 'Base URL members reach Agora at. The password-reset mail links to `<PUBLIC_URL>/reset-password?token=…`. Set it in production.',
    shown: '`http://localhost:<PORT>`',
    hint: 'must be an http(s):// URL',
    note: 'Base of the links in mails (default http://localhost:$PORT)',
    example: 'https://agora.example.com',
  },
  ACCESS_TOKEN_TTL_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 30, maximum: 86400, default: 900 }, doc: 'Access-token lifetime.' },
  REFRESH_IDLE_TTL_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 60, maximum: 31536000, default: 1209600 }, doc: 'A refresh token unused this long expires.', defaultNote: '14 d' },
  REFRESH_ABSOLUTE_TTL_SECONDS: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 60, maximum: 31536000, default: 2592000 },
    doc: "A login's refresh tokens all expire this long after the login.",
    defaultNote: '30 d',
  },
  REFRESH_REUSE_GRACE_SECONDS: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 0, maximum: 60, default: 10 },
    doc: 'For this long after a rotation, the just-spent refresh token gets the same successor instead of counting as reuse (two tabs refreshing at once); `0` turns it off.',
  },
  COOKIE_SECURE: {
    group: 'accounts',
    schema: { type: 'boolean' },
    doc: '`Secure` flag of the refresh and admin-panel cookies.',
    shown: '`true` in production, else `false`',
    note: 'Secure flag of the refresh cookie: true in production by default, false otherwise (plain http on localhost)',
    example: 'true',
  },
  LOGIN_RATE_LIMIT_IP: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 1, maximum: 100000, default: 30 },
    doc: 'Sign-in attempts per client address per window, API and panel counted together.',
    note: "Login attempts per client address; failed ones per (account, client address) and, from every address together, per account (a stranger's failures do not lock the owner out from their own address)",
  },
  LOGIN_RATE_LIMIT_ACCOUNT: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 1, maximum: 100000, default: 10 },
    doc: "Wrong passwords per (account, client address) per window; also wrong `currentPassword` answers per account. A stranger's guesses do not lock the owner out.",
  },
  LOGIN_RATE_LIMIT_ACCOUNT_GLOBAL: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 1, maximum: 1000000, default: 100 },
    doc: 'Wrong passwords per account from all addresses per window (the ceiling against distributed guessing).',
  },
  LOGIN_RATE_WINDOW_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 86400, default: 900 }, doc: 'Sign-in rate-limit window.' },
  SIGNUP_RATE_LIMIT_IP: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 100000, default: 10 }, doc: 'Signups per client address per window (429 `rate_limited`).' },
  SIGNUP_RATE_WINDOW_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 86400, default: 3600 }, doc: 'Signup rate-limit window.' },
  REPORT_RATE_LIMIT: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 100000, default: 20 }, doc: 'Reports (POST /reports) a member may file per window (429 `rate_limited`).' },
  REPORT_RATE_WINDOW_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 86400, default: 3600 }, doc: 'Report rate-limit window.' },
  PASSWORD_RESET_TTL_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 60, maximum: 86400, default: 1800 }, doc: 'Lifetime of a password-reset token.' },
  PASSWORD_RESET_RATE_LIMIT_ADDRESS: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 1, maximum: 100000, default: 3 },
    doc: 'Reset requests per email address per window, whether or not an account has it.',
    note: 'Reset requests per email address (known or not) and per client address',
  },
  PASSWORD_RESET_RATE_LIMIT_IP: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 100000, default: 10 }, doc: 'Reset requests and confirmations per client address per window.' },
  PASSWORD_RESET_RATE_WINDOW_SECONDS: { group: 'accounts', schema: { type: 'integer', minimum: 1, maximum: 86400, default: 3600 }, doc: 'Window of both reset limits.' },
  PASSWORD_HASH_CONCURRENCY: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
    doc: 'Password hashes (argon2id, 19 MiB each) one process computes at once.',
    note: 'Password hashes (argon2id, 19 MiB each) computed at once; a request waits at most PASSWORD_HASH_WAIT_MS for a slot, then gets 503 with Retry-After',
  },
  PASSWORD_HASH_WAIT_MS: {
    group: 'accounts',
    schema: { type: 'integer', minimum: 0, maximum: 60000, default: 2000 },
    doc: 'Longest wait for a hashing slot; past it the request gets 503 `server_busy` with `Retry-After`. `0` answers 503 at once.',
  },
  SMTP_URL: {
    group: 'mail',
    schema: { type: 'string', pattern: '^smtps?://.+' },
    doc: '`smtp(s)://user:pass@host:port` for outgoing mail. When unset, mails are written to `MAIL_OUTBOX_DIR`.',
    hint: 'must be smtp://user:pass@host:port or smtps://…',
    example: 'smtp://user:pass@smtp.example.com:587',
  },
  MAIL_FROM: { group: 'mail', schema: { type: 'string', minLength: 3, maxLength: 256, default: 'Agora <no-reply@localhost>' }, doc: 'Sender of outgoing mail.' },
  MAIL_OUTBOX_DIR: { group: 'mail', schema: { type: 'string', minLength: 1, default: './data/outbox' }, doc: 'Where mails go without SMTP, one JSON file each.' },
  LOG_PRETTY: { group: 'logs', schema: { type: 'boolean', default: true }, doc: 'Human-readable logs, used only on a terminal outside production; `false` keeps JSON.' },
  LOG_FILE: { group: 'logs', schema: { type: 'string', minLength: 1 }, doc: 'Also write the JSON log lines to this file, rotated by pino-roll.', example: './data/logs/agora.log' },
  LOG_FILE_FREQUENCY: { group: 'logs', schema: { enum: ['daily', 'hourly'], default: 'daily' }, doc: 'Rotate the log file `daily` or `hourly`…' },
  LOG_FILE_SIZE: {
    group: 'logs',
    schema: { type: 'string', pattern: '^\\d+[kmg]$', default: '100m' },
    doc: '…or once it reaches this size (`500k`, `10m`, `1g`).',
    hint: 'must be a size such as 10m, 500k or 1g',
  },
  LOG_FILE_COUNT: { group: 'logs', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 14 }, doc: 'Rotated log files kept.' },
  AUDIT_RETENTION_DAYS: {
    group: 'audit',
    schema: { type: 'integer', minimum: 1, maximum: 36500, default: 365 },
    doc: 'MongoDB audit events expire after this many days (TTL index). Events in SQL are kept.',
  },
  ANONYMOUS_READ: { group: 'boards', schema: { type: 'boolean', default: false }, doc: '`true` lets visitors without a token read public boards.' },
  ADMIN_SESSION_TTL_SECONDS: {
    group: 'admin',
    schema: { type: 'integer', minimum: 60, maximum: 604800, default: 28800 },
    doc: 'An admin-panel session ends after this long without a request.',
    defaultNote: '8 h',
  },
  VIEW_DEDUP_WINDOW_SECONDS: { group: 'views', schema: { type: 'integer', minimum: 1, maximum: 604800, default: 600 }, doc: 'A viewer counts once per post within this window.' },
  VIEW_FLUSH_INTERVAL_MS: {
    group: 'views',
    schema: { type: 'integer', minimum: 100, maximum: 3600000, default: 5000 },
    doc: 'Buffered view counts are written to the database this often, and on shutdown.',
  },
  UPLOAD_MAX_FILE_BYTES: { group: 'uploads', schema: { type: 'integer', minimum: 1, maximum: 4294967295, default: 10485760 }, doc: 'Largest attachment, in bytes (10 MiB; 413 `file_too_large`).' },
  UPLOAD_MAX_FILES: { group: 'uploads', schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 }, doc: 'Most files in one post or comment (413 `too_many_files`).' },
  UPLOAD_MAX_TOTAL_BYTES: {
    group: 'uploads',
    schema: { type: 'integer', minimum: 1, maximum: 4294967295, default: 52428800 },
    doc: 'Most bytes of files in one request (50 MiB; 413 `upload_too_large`).',
  },
  UPLOAD_ALLOWED_TYPES: {
    group: 'uploads',
    schema: {
      type: 'string',
      pattern: '^[a-z0-9.+-]+/([a-z0-9.+-]+|\\*)(,[a-z0-9.+-]+/([a-z0-9.+-]+|\\*))*$',
      default: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,application/zip',
    },
    doc: 'Content types accepted, as sniffed from the bytes (415 `file_type_not_allowed` otherwise); `image/*` style wildcards allowed.',
    hint: 'must be a comma-separated list of content types such as image/png,image/*,application/pdf',
  },
  UPLOAD_SWEEP_INTERVAL_SECONDS: {
    group: 'uploads',
    schema: { type: 'integer', minimum: 1, maximum: 604800, default: 3600 },
    doc: 'The api removes orphan files this often, and once at start: temp files of writes that never finished, and attachments no post or comment refers to (left by a process killed mid-upload). The count is logged and shown by `/readyz`.',
    note: 'Orphan files (left by a process killed mid-upload) are removed this often, once older than the grace period',
  },
  FILE_URL_TTL_SECONDS: {
    group: 'uploads',
    schema: { type: 'integer', minimum: 1, maximum: 604800, default: 3600 },
    doc: 'How long a signed attachment URL (`files[].url`, `files[].thumbnailUrl`) works without a token: between 90% and 100% of this (URLs issued within a tenth of it are the same, so browsers can cache them). Then a 403 `file_url_expired`; the viewer reads the post again for a new one. Signed with a key derived from `JWT_SECRET` (changing it ends every such URL).',
  },
  UPLOAD_ORPHAN_GRACE_SECONDS: {
    group: 'uploads',
    schema: { type: 'integer', minimum: 1, maximum: 2592000, default: 3600 },
    doc: 'A file is an orphan only once this old. Keep it above the longest upload (the api ends a request after 300 s), so a file whose post is still being saved is never removed.',
  },
  ...workerSettings,
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;
type SchemaOf<K extends SettingName> = (typeof settings)[K]['schema'];

/** The validated values: a setting with a default is always present, one without is undefined when unset. */
export type RawConfig = { readonly [K in SettingName]: SchemaOf<K> extends { default: unknown } ? FromSchema<SchemaOf<K>> : FromSchema<SchemaOf<K>> | undefined };

export const settingNames = Object.keys(settings) as SettingName[];

/** The declaration of a variable, by name (for messages and docs, which do not need the literal types). */
export const declared: Readonly<Record<string, Setting>> = settings;

/** The schema ajv validates the environment with. */
export const envSchema = {
  type: 'object',
  properties: Object.fromEntries(settingNames.map((name) => [name, settings[name].schema])),
} as const;
