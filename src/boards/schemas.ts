// What the boards service accepts, as JSON Schemas: the service validates its input with them, whoever calls it
// (REST, admin panel), and the routes declare the same schemas (validation at the edge and the OpenAPI document).
const name = { type: 'string', minLength: 1, maxLength: 128, pattern: '\\S', description: 'name must have a visible character (at most 128)' } as const;
const information = { type: 'string', maxLength: 512 } as const;
const userIds = { type: 'array', maxItems: 1000, items: { type: 'integer', minimum: 1 } } as const;
/** What a new board gets for a field left out. */
export const boardDefaults = { information: '', isVisible: true, isAvailable: true } as const;
const boardFields = { name, information, isVisible: { type: 'boolean' }, isAvailable: { type: 'boolean' }, userIds } as const;

export const boardCreateBody = { type: 'object', additionalProperties: false, required: ['name'], properties: boardFields } as const;

export const boardPatchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: boardFields } as const;

export const boardGrantsBody = { type: 'object', additionalProperties: false, required: ['userIds'], properties: { userIds } } as const;
