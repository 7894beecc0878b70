// The shape of a setting's declaration and the sections of .env.example (src/config-schema.ts declares the settings).
import type { JSONSchema } from 'json-schema-to-ts';

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
