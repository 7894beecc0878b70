// What the comments service accepts, as JSON Schemas: the service validates its input with them, whoever calls
// it, and the routes declare the same schemas (validation at the edge, multipart forms and the OpenAPI document).
import { visibleText as text } from '../http/schema.js';

export const commentBody = { type: 'object', additionalProperties: false, required: ['content'], properties: { content: text(2000) } } as const;

export const commentPatchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: { content: text(2000), isVisible: { type: 'boolean' } } } as const;
