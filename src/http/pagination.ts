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

/** Whether a cursor's number fits the database's integer columns (ids and counters are 32-bit). */
export const isIntKey = (n: unknown): n is number => Number.isInteger(n) && Math.abs(n as number) <= 2 ** 31 - 1;

/** The id of a cursor of a list keyed by id alone: a positive integer, or the 400 of `invalidCursor`. */
export function decodeIdKey(cursor: string): number {
  const [id] = decodeKey(cursor, ['number']);
  if (isIntKey(id) && id > 0) return id;
  throw invalidCursor();
}

/**
 * One keyset page of the `limit + 1` rows read: the first `limit` of them, and the cursor of the last one's
 * sort key (`keyOf`) when the extra row shows that more follow (null at the end).
 */
export function keysetPage<T>(rows: T[], limit: number, keyOf: (last: T) => (string | number)[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeKey(keyOf(last)) : null };
}

/** The document's schema of one page of `items`: the items, the cursor of the next page (null at the end), the page number when asked by page. */
export const pageSchema = (items: object) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] }, page: { type: 'integer' } },
});
