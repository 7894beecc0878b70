// The settings of the chat server, the AI models and worker, and notifications: part of the one declaration of
// every environment variable (src/config-schema.ts), in the order they are documented.
import type { Setting } from './config-setting.js';

export const workerSettings = {
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
