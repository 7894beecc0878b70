// What the auth service accepts, as JSON Schemas: the service validates its input with them, whoever calls it,
// and the routes declare the same schemas (validation at the edge and the OpenAPI document).
import { emailSchema, passwordSchema } from '../users/schemas.js';

export const loginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['password'],
  description: 'Give `name` or `email`, and the password.',
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 }, email: { type: 'string', minLength: 1, maxLength: 256 }, password: { type: 'string', minLength: 1, maxLength: 128 } },
  anyOf: [{ required: ['name'] }, { required: ['email'] }],
} as const;

export const passwordResetBody = { type: 'object', additionalProperties: false, required: ['email'], properties: { email: emailSchema } } as const;

/** A new password from a reset token: the account's password rule applies. */
export const passwordResetConfirmBody = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'password'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, password: passwordSchema },
} as const;
