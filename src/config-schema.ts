// Every environment variable Agora reads, declared once: its rule (a JSON Schema, checked by ajv in src/config.ts),
// its default, what it means, and where it is documented. The validation schema, the type of the validated values,
// the configuration table in docs/operations.md and .env.example (`npm run config:docs`) are all derived from here.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** The sections of .env.example, in order, each with the comment that opens it. */
export const settingGroups = {
  server: {},
  stores: {},
  directories: {},
  secrets: { comment: 'Generated into DATA_DIR/secrets.json in development when unset. In production: at least 32 random characters each, different from each other (openssl rand -base64 48).' },
  http: {},
  accounts: { comment: 'Accounts and sign-in' },
  mail: { comment: 'Mail: SMTP when set, otherwise one JSON file per message in MAIL_OUTBOX_DIR' },
  logs: { comment: 'Logs: JSON lines on stdout (pretty on a terminal outside production unless LOG_PRETTY=false)' },
  audit: { comment: 'Audit log retention in MongoDB (TTL index)' },
  boards: { comment: 'Visitors without a token may read public boards' },
  admin: {
    comment:
      "Admin panel (/admin): session lifetime since the last request. AdminJS's own variables: ADMIN_JS_TMP_DIR (bundle folder, default dist/adminjs) and ADMIN_JS_SKIP_BUNDLE (set to true in production when the prebuilt bundle from `npm run build` is there).",
  },
  views: { comment: 'View counting' },
  uploads: { comment: 'Attachments: limits and the allow-list of sniffed content types' },
  chat: { comment: 'Chat server: limits, slow consumers, rate limit (per user and replica) and group commit' },
  ai: { comment: 'AI models: worker concurrency, request and dataset limits, retries, stalled-job recovery' },
  notifications: { comment: 'Notifications: written by the worker, kept this long' },
} as const satisfies Record<string, { comment?: string }>;

export interface Setting {
  /** The section of .env.example it is listed in. */
  group: keyof typeof settingGroups;
  /** The rule for the value (ajv coerces strings to integers and booleans); `default` applies when it is unset or empty. */
  schema: JSONSchema & object;
  /** One line for the "meaning" column of the configuration table (Markdown). */
  doc: string;
  /** The table's "default" column when there is no schema default (Markdown); otherwise the default, with defaultNote after it. */
  shown?: string;
  defaultNote?: string;
  /** What a valid value looks like, when the schema's own message would not say it (ends "VARIABLE <hint> (got …)"). */
  hint?: string;
  /** .env.example: a comment line above the variable, and the value shown commented out when there is no default. */
  note?: string;
  example?: string;
}

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
  CHAT_MAX_PAYLOAD_BYTES: {
    group: 'chat',
    schema: { type: 'integer', minimum: 1024, maximum: 16777216, default: 16384 },
    doc: 'Largest WebSocket frame the chat accepts; a larger one closes the connection.',
  },
  CHAT_MAX_MESSAGE_LENGTH: { group: 'chat', schema: { type: 'integer', minimum: 1, maximum: 1000000, default: 2000 }, doc: 'Longest chat message, in characters.' },
  CHAT_MAX_BACKPRESSURE_BYTES: {
    group: 'chat',
    schema: { type: 'integer', minimum: 1024, maximum: 268435456, default: 1048576 },
    doc: 'Unsent bytes a socket may have waiting; above this it is disconnected as a slow consumer (4008).',
  },
  CHAT_IDLE_TIMEOUT_SECONDS: {
    group: 'chat',
    schema: { type: 'integer', minimum: 8, maximum: 960, default: 120 },
    doc: 'A socket silent this long is closed; the server pings before that. Minimum 8.',
  },
  CHAT_SEND_RATE_PER_SECOND: { group: 'chat', schema: { type: 'integer', minimum: 1, maximum: 10000000, default: 20 }, doc: 'Messages a user may send per second (per replica, token bucket).' },
  CHAT_SEND_BURST: { group: 'chat', schema: { type: 'integer', minimum: 1, maximum: 10000000, default: 40 }, doc: 'Messages a user may send at once before the rate applies.' },
  CHAT_FLUSH_INTERVAL_MS: {
    group: 'chat',
    schema: { type: 'integer', minimum: 0, maximum: 1000, default: 0 },
    doc: 'Group commit: the longest a message waits for others before its batch is written; `0` writes at the end of the current event-loop turn (lowest latency; batches still grow under load).',
  },
  CHAT_FLUSH_MAX_BATCH: {
    group: 'chat',
    schema: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
    doc: 'Group commit: most messages per transaction; this many pending are written at the end of the current turn without waiting for `CHAT_FLUSH_INTERVAL_MS`.',
  },
  CHAT_MAX_INVALID_FRAMES: {
    group: 'chat',
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    doc: 'Invalid frames (and joins of sessions that do not exist for the user) a socket may send before it is closed (1008).',
  },
  CHAT_FRAME_RATE_PER_SECOND: {
    group: 'chat',
    schema: { type: 'integer', minimum: 1, maximum: 10000000, default: 10 },
    doc: 'Frames per second a socket may send of each other kind (join/leave, typing, edit/delete, ping; a token bucket per socket and kind); over it: `rate_limited`.',
    note: 'per socket: a budget per kind of frame other than send (join/leave, typing, edit/delete, ping), and for history',
  },
  CHAT_FRAME_BURST: { group: 'chat', schema: { type: 'integer', minimum: 1, maximum: 10000000, default: 40 }, doc: 'Frames of each of those kinds a socket may send at once before the rate applies.' },
  CHAT_HISTORY_RATE_PER_SECOND: {
    group: 'chat',
    schema: { type: 'integer', minimum: 1, maximum: 10000000, default: 2 },
    doc: '`history` requests per second per socket (at most 4 unanswered at a time).',
  },
  CHAT_HISTORY_BURST: { group: 'chat', schema: { type: 'integer', minimum: 1, maximum: 10000000, default: 10 }, doc: '`history` requests a socket may send at once before that rate applies.' },
  CHAT_TYPING_INTERVAL_MS: {
    group: 'chat',
    schema: { type: 'integer', minimum: 0, maximum: 60000, default: 2000 },
    doc: "A user's `typing` reaches a session at most once per this many ms (per replica); `0` forwards every accepted one.",
    note: "a user's typing reaches a session at most once per this many ms",
  },
  CHAT_RESUME_MAX: {
    group: 'chat',
    schema: { type: 'integer', minimum: 0, maximum: 100000, default: 500 },
    doc: 'A `join` with `after` replays at most this many messages; with more, it answers `resumed: false` and the client pages with `history`.',
  },
  CHAT_RECEIPTS_MAX_MEMBERS: {
    group: 'chat',
    schema: { type: 'integer', minimum: 0, maximum: 1000000, default: 100 },
    doc: 'Sessions with more members than this get no per-member `read` frames (unread counts still work); `0` turns them off.',
  },
  CHAT_WRITE_FAILURE_LOG_INTERVAL_MS: {
    group: 'chat',
    schema: { type: 'integer', minimum: 100, maximum: 3600000, default: 60000 },
    doc: 'Messages that cannot be stored (`write_failed`: a full disk, a database gone): the first is logged in full, then one summary per this many ms with the count, until an interval passes without any.',
    note: 'messages that cannot be stored: the first failure logged in full, then a count per this many ms',
  },
  METRICS_TOKEN: {
    group: 'chat',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._~+/=-]{16,256}$' },
    doc: 'Bearer token a scraper sends to `GET /metrics` on the chat port; unset, `/metrics` is refused (403 `metrics_disabled`). 16–256 characters (`openssl rand -hex 32`).',
    hint: 'must be 16-256 characters of letters, digits and . _ ~ + / = - (e.g. `openssl rand -hex 32`)',
    note: 'GET /metrics on the chat port answers only `Authorization: Bearer <METRICS_TOKEN>` (16-256 characters, e.g. openssl rand -hex 32); unset, /metrics is refused (403)',
  },
  AI_TRAIN_CONCURRENCY: { group: 'ai', schema: { type: 'integer', minimum: 1, maximum: 32, default: 1 }, doc: 'Training jobs one ai-worker runs at once.' },
  AI_PREDICT_CONCURRENCY: { group: 'ai', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 }, doc: 'Prediction jobs one ai-worker runs at once (their results share group commits).' },
  AI_BATCH_LIMIT: { group: 'ai', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 100 }, doc: 'Most inputs in one batch prediction; more is 400 `batch_too_large`.' },
  AI_DATASET_MAX_ROWS: { group: 'ai', schema: { type: 'integer', minimum: 10, maximum: 10000000, default: 100000 }, doc: 'Most data rows of an uploaded dataset (400 `dataset_too_many_rows`).' },
  AI_DATASET_MAX_BYTES: {
    group: 'ai',
    schema: { type: 'integer', minimum: 1024, maximum: 1073741824, default: 20971520 },
    doc: 'Largest uploaded dataset, in bytes (20 MiB; 413 `dataset_too_large`). A JSON `dataset` is also bound by `BODY_LIMIT`.',
  },
  AI_JOB_ATTEMPTS: {
    group: 'ai',
    schema: { type: 'integer', minimum: 1, maximum: 20, default: 3 },
    doc: 'Attempts per AI job. Transient errors retry with exponential backoff; invalid input never retries.',
  },
  AI_JOB_BACKOFF_MS: { group: 'ai', schema: { type: 'integer', minimum: 0, maximum: 600000, default: 1000 }, doc: 'First retry delay; it doubles with each attempt.' },
  AI_LOCK_DURATION_MS: {
    group: 'ai',
    schema: { type: 'integer', minimum: 1000, maximum: 600000, default: 10000 },
    doc: "A job whose worker stopped renewing its lock (renewed every half of this) is taken back at the next stalled check and runs again: a crashed worker's job restarts within `AI_LOCK_DURATION_MS + AI_STALLED_INTERVAL_MS` (15 s by default).",
  },
  AI_STALLED_INTERVAL_MS: {
    group: 'ai',
    schema: { type: 'integer', minimum: 500, maximum: 600000, default: 5000 },
    doc: 'How often each worker looks for such stalled jobs. A job whose worker dies three times fails (`AI_JOB_ATTEMPTS` does not apply); its row is recorded `failed` with an audit record.',
  },
  NOTIFICATION_RETENTION_DAYS: {
    group: 'notifications',
    schema: { type: 'integer', minimum: 1, maximum: 36500, default: 90 },
    doc: 'Notifications older than this many days are deleted by the worker (hourly), read or not.',
  },
  NOTIFICATION_CONCURRENCY: {
    group: 'notifications',
    schema: { type: 'integer', minimum: 1, maximum: 64, default: 4 },
    doc: 'Notification events each worker process handles at once.',
  },
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
