// What the posts service accepts, as JSON Schemas: the service validates its input with them, whoever calls it,
// and the routes declare the same schemas (validation at the edge, multipart forms and the OpenAPI document).
import { visibleText as text } from '../http/schema.js';

export const postBody = { type: 'object', additionalProperties: false, required: ['name', 'content'], properties: { name: text(64), content: text(65_535) } } as const;

export const postPatchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: text(64), content: text(65_535), isVisible: { type: 'boolean' } } } as const;
