// Failures of the platform that mean something to the client, as domain errors: a unique value already
// taken is a conflict, a record gone is not found, Redis or the disk out of reach is unavailable.
import { Prisma } from '@prisma/client';
import { AppError, ConflictError, StorageFullError, NotFoundError, DependencyUnavailableError } from '../errors.js';
import { StorageUnavailableError } from './storage.js';

/**
 * The fields of a violated unique constraint. With driver adapters Prisma reports them as
 * `driverAdapterError.cause.constraint` = `{fields}` (SQLite) or `{index}` (MySQL: Prisma's index name
 * `<table>_<columns>_key`, columns being camelCase and so free of underscores).
 */
export function uniqueFields(meta: unknown): string[] {
  const m = meta as { target?: string[] | string; driverAdapterError?: { cause?: { table?: string; constraint?: { fields?: string[]; index?: string } } } } | undefined;
  const cause = m?.driverAdapterError?.cause;
  if (cause?.constraint?.fields) return cause.constraint.fields.map((f) => f.replace(/^[`"]|[`"]$/g, ''));
  const index = cause?.constraint?.index;
  if (index) {
    const body = index.replace(/_key$/, '');
    const table = cause?.table && body.startsWith(`${cause.table}_`) ? cause.table : body.split('_').slice(0, -1).join('_');
    return body
      .slice(table.length + 1)
      .split('_')
      .filter(Boolean);
  }
  if (Array.isArray(m?.target)) return m.target;
  return typeof m?.target === 'string' ? [m.target] : [];
}

/** A unique constraint refused the write (Prisma's P2002); `uniqueFields(e.meta)` names the fields. */
export function isUniqueViolation(e: unknown): e is Prisma.PrismaClientKnownRequestError {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}

/** An AppError as it is; a platform failure with a meaning for the client as one; anything else null. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  // Redis unreachable (ioredis fails fast instead of queueing): the service is unavailable, not broken
  if (err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.')) {
    return new DependencyUnavailableError();
  }
  // the disk refused a write (full, read-only): nothing was kept, and retrying later may work
  if (err instanceof StorageUnavailableError) {
    const detail = err.reason === 'full' ? 'The server has no room left to store files; try again later.' : 'The server cannot store files right now; try again later.';
    return new StorageFullError('insufficient_storage', detail, { cause: err });
  }
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2002') return new ConflictError('already_exists', 'A record with the same unique value already exists.', { fields: uniqueFields(err.meta) });
    if (err.code === 'P2025') return new NotFoundError();
  }
  return null;
}
