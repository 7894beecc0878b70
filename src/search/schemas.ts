// What the search service accepts, as a JSON Schema: the service validates with it (whoever calls) and the
// route declares it (validation at the edge and the OpenAPI document).
import { paginationQuery } from '../http/pagination.js';
import { visibleText } from '../http/schema.js';

/** The longest query, in characters. */
export const MAX_QUERY_LENGTH = 100;

export const searchQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['q'],
  properties: {
    q: {
      ...visibleText(MAX_QUERY_LENGTH),
      description: `words to find (at most ${MAX_QUERY_LENGTH} characters, must have a visible character); each word is matched as a substring, every word must match`,
    },
    type: { enum: ['post', 'comment'], default: 'post', description: 'post: titles and bodies of posts; comment: comments' },
    boardId: { type: 'integer', minimum: 1, description: 'only this board' },
    limit: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
    cursor: paginationQuery.cursor,
  },
} as const;

export interface SearchInput {
  q: string;
  type: 'post' | 'comment';
  boardId?: number;
  limit: number;
  cursor?: string;
}
