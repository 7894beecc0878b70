// What the chat session service accepts, as JSON Schemas: the service validates its input with them, whoever
// calls it (REST, admin panel), and the routes declare the same schemas (validation at the edge and the document).
const int = { type: 'integer', minimum: 1, maximum: 2147483647 } as const;
const name = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S', description: 'name must have a visible character (at most 64)' } as const;
const information = { type: 'string', maxLength: 256 } as const;

export const sessionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name, information, userIds: { type: 'array', maxItems: 1000, items: int } },
} as const;

export const sessionPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name, information, isClosed: { type: 'boolean' }, isVisible: { type: 'boolean' } },
} as const;

export const readBody = {
  type: 'object',
  additionalProperties: false,
  required: ['messageId'],
  properties: { messageId: int },
} as const;
