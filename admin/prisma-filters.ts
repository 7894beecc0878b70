// What a list, search or record URL of the panel may ask of a Prisma resource. @adminjs/prisma hands filter
// values to Prisma as they come (`filters.id=abc` becomes `id: null`, an unknown enum value or a date that is
// not one is passed through, an unknown property crashes it), and so does the search action, which filters
// on the title property (`id` for resources without a text title). Prisma then refuses the query: a 500.
// Here a value its column cannot hold matches no row, an unknown property is ignored, and paging and sorting
// fall back to their defaults.
import type { Filter } from 'adminjs';

const INT32 = { min: -2147483648, max: 2147483647 };

/** The parts of @adminjs/prisma's Property used here. */
interface Prop {
  type(): string;
  isEnum(): boolean;
  availableValues(): string[] | null;
  foreignColumnName(): string | null;
  column: { type: string; kind: string };
}

interface FilterEntry {
  path: string;
  property: Prop | null;
  value: unknown;
}

/** Column types by field name, for reference properties (whose filter compares the foreign key). */
export type ColumnTypes = Record<string, string>;

function scalarMatches(columnType: string, value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
  const text = String(value).trim();
  switch (columnType) {
    case 'Int':
      return /^-?\d{1,10}$/.test(text) && Number(text) >= INT32.min && Number(text) <= INT32.max;
    case 'BigInt':
      return /^-?\d{1,18}$/.test(text);
    case 'Float':
    case 'Decimal':
      return text !== '' && Number.isFinite(Number(text));
    case 'Boolean':
      return text === 'true' || text === 'false';
    default:
      return true;
  }
}

const validDate = (v: unknown) => typeof v === 'string' && v !== '' && !Number.isNaN(new Date(v).getTime());

/** Whether the filter can match a row at all (false: its value is of no use to the column). */
function matchable(entry: FilterEntry & { property: Prop }, columns: ColumnTypes): boolean {
  const p = entry.property;
  const v = entry.value;
  const type = p.type();
  if (type === 'reference') {
    const fk = p.foreignColumnName();
    return fk ? scalarMatches(columns[fk] ?? 'String', v) : false;
  }
  if (p.isEnum()) return typeof v === 'string' && (p.availableValues() ?? []).includes(v);
  if (type === 'datetime' || type === 'date') {
    if (typeof v === 'string') return true; // ignored by the adapter
    const range = v as { from?: unknown; to?: unknown } | null;
    if (!range || typeof range !== 'object') return false;
    return (range.from === undefined || validDate(range.from)) && (range.to === undefined || validDate(range.to));
  }
  if (type === 'mixed') return false;
  if (type === 'number' || type === 'boolean') return scalarMatches(p.column.type, v);
  return typeof v === 'string' || typeof v === 'number';
}

/** The filter with unknown properties left out, or null when one of its values can match no row. */
export function usableFilter(filter: Filter | undefined, columns: ColumnTypes): Filter | null {
  const entries = Object.entries((filter?.filters ?? {}) as unknown as Record<string, FilterEntry>);
  const kept: Record<string, FilterEntry> = {};
  for (const [key, entry] of entries) {
    if (!entry.property) continue;
    if (!matchable(entry as FilterEntry & { property: Prop }, columns)) return null;
    kept[key] = entry;
  }
  return Object.assign(Object.create(Object.getPrototypeOf(filter ?? {}) as object) as Filter, filter, { filters: kept });
}

/** Whether `id` can be a value of the id column (otherwise no record has it). */
export function usableId(columnType: string, id: unknown): boolean {
  return scalarMatches(columnType, id);
}

export interface FindParams {
  limit?: number;
  offset?: number;
  sort?: { sortBy?: string; direction?: 'asc' | 'desc' };
}

/** Paging within bounds and sorting by a sortable property of the resource (else by id). */
export function usableParams(params: FindParams, property: (path: string) => Prop | null, idPath: string): FindParams {
  const int = (v: unknown, min: number, max: number, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback);
  const sortBy = params.sort?.sortBy;
  const base = sortBy?.split('.')[0];
  const known = base ? property(base) : null;
  return {
    limit: int(params.limit, 1, 500, 10),
    offset: int(params.offset, 0, Number.MAX_SAFE_INTEGER, 0),
    sort: { sortBy: known && known.type() !== 'mixed' ? sortBy : idPath, direction: params.sort?.direction === 'asc' ? 'asc' : 'desc' },
  };
}
