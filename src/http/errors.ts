// One error hierarchy for the whole application, mapped once (in errorHandler) to RFC 9457
// application/problem+json with a stable `code`. Services throw these; routes never build error bodies.
import type { ErrorRequestHandler } from 'express';
import { Prisma } from '@prisma/client';
import type { Logger } from '../platform/logger.js';
import { StorageUnavailableError } from '../platform/storage.js';

export interface FieldError {
  /** Dotted path of the offending field within `in` (e.g. `email`, `items.0.name`). */
  field: string;
  in?: 'body' | 'query' | 'params' | 'headers';
  code: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly extra?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, opts: { errors?: FieldError[]; headers?: Record<string, string>; extra?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.errors = opts.errors;
    this.headers = opts.headers;
    this.extra = opts.extra;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], message = 'The request is not valid.') {
    super(400, 'validation_failed', message, { errors });
  }
}
export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}
export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', message = 'Authentication is required.') {
    super(401, code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}
export class ForbiddenError extends AppError {
  constructor(code = 'forbidden', message = 'You may not do this.') {
    super(403, code, message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'Not found.', code = 'not_found') {
    super(404, code, message);
  }
}
export class ConflictError extends AppError {
  constructor(code: string, message: string, fields: string[] = []) {
    super(409, code, message, { errors: fields.map((field) => ({ field, in: 'body', code: 'taken', message: `${field} is already taken` })) });
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large.') {
    super(413, 'payload_too_large', message);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(expected: string) {
    super(415, 'unsupported_media_type', `The request body must be ${expected}.`);
  }
}
export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later.') {
    super(429, 'rate_limited', message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, extra?: Record<string, unknown>) {
    super(503, code, message, { extra });
  }
}
/** A backing service (Redis, the database) did not answer: nothing is wrong with the request; retrying later works. */
export class DependencyUnavailableError extends AppError {
  constructor(message = 'A backing service is not reachable; try again shortly.', cause?: unknown) {
    super(503, 'dependency_unavailable', message, { cause });
  }
}

export const problemTitles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

export function problemOf(err: AppError, instance?: string, requestId?: string): Problem {
  return {
    type: `urn:agora:problem:${err.code}`,
    title: problemTitles[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(err.errors?.length ? { errors: err.errors } : {}),
    ...err.extra,
  };
}

/**
 * The fields of a violated unique constraint. With driver adapters Prisma reports them as
 * `driverAdapterError.cause.constraint` = `{fields}` (SQLite) or `{index}` (MySQL: Prisma's index name
 * `<table>_<columns>_key`, columns being camelCase and so free of underscores).
 */
function uniqueFields(meta: unknown): string[] {
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

/** Errors that are not AppErrors but have a well-defined meaning for the client. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
  // body-parser (express.json)
  if (e?.type === 'entity.parse.failed') return new BadRequestError('malformed_json', 'The request body is not valid JSON.');
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new AppError(415, 'unsupported_media_type', 'Unsupported request body encoding.');
  if (e?.type === 'request.aborted') return new BadRequestError('request_aborted', 'The request was aborted.');
  // the router could not percent-decode a path parameter (`/users/%ZZ`)
  if (err instanceof URIError && e.status === 400) {
    return new AppError(400, 'invalid_path', 'The path has a malformed percent-encoding.', {
      errors: [{ field: 'path', in: 'params', code: 'invalid_path', message: 'path has a malformed percent-encoding' }],
    });
  }
  // any other client error raised by a parser (http-errors with a 4xx status): the client's fault, never a 500
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose !== false) {
    return new AppError(
      status,
      status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request',
      problemTitles[status] ? `${problemTitles[status]}.` : 'The request is not valid.',
    );
  }
  // Redis unreachable (ioredis fails fast instead of queueing): the service is unavailable, not broken
  if (err instanceof Error && (err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.')) {
    return new DependencyUnavailableError(undefined, err);
  }
  // the disk refused a write (full, read-only): nothing was kept, and retrying later may work
  if (err instanceof StorageUnavailableError) {
    const detail = err.reason === 'full' ? 'The server has no room left to store files; try again later.' : 'The server cannot store files right now; try again later.';
    return new AppError(507, 'insufficient_storage', detail, { cause: err });
  }
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2002') return new ConflictError('already_exists', 'A record with the same unique value already exists.', uniqueFields(err.meta));
    if (err.code === 'P2025') return new NotFoundError();
  }
  return null;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = toAppError(err);
    const appErr = known ?? new AppError(500, 'internal_error', 'An unexpected error occurred.');
    if (!known) (req.log ?? logger).error({ err }, 'unhandled error');
    // the operator's cue: the request log line shows only the status
    else if (err instanceof StorageUnavailableError) (req.log ?? logger).error({ errno: err.errno, reason: err.reason }, `upload refused: ${err.message}`);
    for (const [k, v] of Object.entries(appErr.headers ?? {})) res.setHeader(k, v);
    res
      .status(appErr.status)
      .type('application/problem+json')
      .send(JSON.stringify(problemOf(appErr, req.originalUrl.split('?')[0], req.id as string | undefined)));
  };
}
