// The account rules (from the original project), as JSON Schemas shared by the REST API and the CLI.
import type { JsonSchema } from '../http/schema.js';

export const nameSchema: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z][A-Za-z0-9_]*$',
  description: 'name must start with a letter, then letters, digits or _ (1-64 characters, no spaces)',
};

export const emailSchema: JsonSchema = {
  type: 'string',
  maxLength: 256,
  format: 'email',
  pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$',
  description: 'email must be a valid address with a dotted domain (at most 256 characters)',
};

export const passwordSchema: JsonSchema = {
  type: 'string',
  minLength: 8,
  maxLength: 64,
  pattern: '^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*[^A-Za-z0-9]).*$',
  description: 'password must contain a lower-case letter, an upper-case letter, a digit and a special character',
};

export const newUserSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email', 'password'],
  properties: { name: nameSchema, email: emailSchema, password: passwordSchema },
};

export const roles = ['user', 'admin', 'superuser'] as const;
export type Role = (typeof roles)[number];

/** Admins and superusers: the staff who moderate. */
export const staffRoles: readonly Role[] = ['admin', 'superuser'];
export const isStaffRole = (role: Role) => staffRoles.includes(role);
