// The account rules (from the original project), as JSON Schemas shared by the REST API, the admin panel
// and the CLI: every way to name an account (signup, profile edit, admin edit, create-superuser) meets them.

/** Any case of a prefix, for patterns (JSON Schema patterns take no flags). */
const anyCase = (s: string) => [...s].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c.replace(/[.]/g, '\\.'))).join('');

/**
 * Closed accounts are renamed `deleted_<id>` with the email `deleted_<id>@deleted.invalid`
 * (UsersService.deleteMe): nobody may take such a name or address, in any case.
 */
export const closedAccountName = (id: number, suffix = '') => ({ name: `deleted_${id}${suffix}`, email: `deleted_${id}${suffix}@deleted.invalid` });

export const nameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: `^(?!${anyCase('deleted_')})[A-Za-z][A-Za-z0-9_]*$`,
  description: 'name must start with a letter, then letters, digits or _ (1-64 characters, no spaces); names starting with deleted_ are reserved',
} as const;

export const emailSchema = {
  type: 'string',
  maxLength: 256,
  format: 'email',
  pattern: `^(?!.*@${anyCase('deleted.invalid')}$)[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$`,
  description: 'email must be a valid address with a dotted domain (at most 256 characters); the domain deleted.invalid is reserved',
} as const;

export const passwordSchema = {
  type: 'string',
  minLength: 8,
  maxLength: 64,
  pattern: '^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*[^A-Za-z0-9]).*$',
  description: 'password must contain a lower-case letter, an upper-case letter, a digit and a special character',
} as const;

export const newUserSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email', 'password'],
  properties: { name: nameSchema, email: emailSchema, password: passwordSchema },
} as const;

/** The languages of the admin panel; an account's `locale` is one of them, or null (the browser's choice). */
export const locales = ['en', 'ko'] as const;
export type Locale = (typeof locales)[number];
export const localeSchema = { type: ['string', 'null'], enum: [...locales, null] } as const;

/** A member changes their own account (email and password need the current password; the locale does not). */
export const updateMeBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name: nameSchema, email: emailSchema, password: passwordSchema, currentPassword: { type: 'string', minLength: 1, maxLength: 128 }, locale: localeSchema },
} as const;

/** The roles an account may be given over the API and the panel (superusers are made only from the terminal). */
export const assignableRole = { enum: ['user', 'admin'] } as const;

/** An admin changes an account (REST, admin panel). */
export const adminUserPatchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: nameSchema, email: emailSchema, role: assignableRole } } as const;

export const roleBody = { type: 'object', additionalProperties: false, required: ['role'], properties: { role: assignableRole } } as const;

/** A ban (REST, admin panel): the reason is required, not blank, at most 512 characters. */
export const banBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 1, maxLength: 512, pattern: '\\S' } },
} as const;

export const roles = ['user', 'admin', 'superuser'] as const;
export type Role = (typeof roles)[number];

/** A post's or comment's author as the API shows it. */
export const authorSchema = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } as const;
