// Pagination shared by list endpoints: keyset (`cursor`, stable under inserts) or page numbers (`page`, for
// simple clients). Cursors are opaque base64url strings of the last item's sort key.
import { ValidationError } from '../errors.js';

export const paginationQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  cursor: { type: 'string', minLength: 1, maxLength: 200, description: 'from the previous page’s nextCursor' },
  page: { type: 'integer', minimum: 1, maximum: 100000, description: 'page number (1-based); ignored with cursor' },
} as const;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeKey(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The 400 for a cursor this API did not hand out (or one whose values do not make sense). */
export function invalidCursor(): ValidationError {
  return ValidationError.of([{ field: 'cursor', in: 'query', code: 'invalid_cursor', message: 'cursor is not a cursor this API returned' }]);
}

export function decodeKey(cursor: string, shape: ('string' | 'number')[]): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === shape.length && key.every((v, i) => typeof v === shape[i])) return key as (string | number)[];
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** The document's schema of one page of `items`: the items, the cursor of the next page (null at the end), the page number when asked by page. */
export const pageSchema = (items: object) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] }, page: { type: 'integer' } },
});
