// The application's errors: what went wrong (a kind) and a stable `code` that clients branch on, never a
// transport's status. Services throw them, whoever calls; each edge maps the kind once: the HTTP API to a
// status (http/errors.ts), the chat to an error frame, the CLI to an exit code, the admin panel to a form
// error or a notice. Every constructor takes (code, message, details).

/** What went wrong, from the caller's side. */
export const errorKinds = [
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'unprocessable',
  'too_large',
  'unsupported',
  'out_of_range',
  'rate_limited',
  'unavailable',
  'insufficient_storage',
  'internal',
] as const;
export type ErrorKind = (typeof errorKinds)[number];

export interface FieldError {
  /** Dotted path of the offending field within `in` (e.g. `email`, `items.0.name`). */
  field: string;
  in?: 'body' | 'query' | 'params' | 'headers';
  code: string;
  message: string;
}

export interface ErrorDetails {
  /** The offending fields. */
  errors?: FieldError[];
  /** More members for the client (e.g. the failing readiness checks). */
  extra?: Record<string, unknown>;
  /** Seconds until a retry may succeed (kept rounded up to a whole second, at least 1). */
  retryAfter?: number;
  cause?: unknown;
}

export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly errors?: FieldError[];
  readonly extra?: Record<string, unknown>;
  readonly retryAfter?: number;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.errors = details.errors;
    this.extra = details.extra;
    if (details.retryAfter !== undefined) this.retryAfter = Math.max(1, Math.ceil(details.retryAfter));
  }
}

/** Input that breaks a rule; field errors say which fields (`ValidationError.of`). */
export class ValidationError extends AppError {
  readonly kind = 'invalid';
  constructor(code = 'validation_failed', message = 'The request is not valid.', details: ErrorDetails = {}) {
    super(code, message, details);
  }

  /** The usual validation error: `validation_failed` with the offending fields. */
  static of(errors: FieldError[], message?: string): ValidationError {
    return new ValidationError(undefined, message, { errors });
  }
}
/** Input that cannot be read or used, with a code of its own. */
export class InvalidInputError extends AppError {
  readonly kind = 'invalid';
}
export class UnauthenticatedError extends AppError {
  readonly kind = 'unauthenticated';
  constructor(code = 'unauthorized', message = 'Authentication is required.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
export class ForbiddenError extends AppError {
  readonly kind = 'forbidden';
  constructor(code = 'forbidden', message = 'You may not do this.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
export class NotFoundError extends AppError {
  readonly kind = 'not_found';
  constructor(code = 'not_found', message = 'Not found.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
/** The state forbids it (a taken name, a running job); `fields` names taken values as field errors. */
export class ConflictError extends AppError {
  readonly kind = 'conflict';
  constructor(code: string, message: string, details: ErrorDetails & { fields?: string[] } = {}) {
    const { fields = [], ...rest } = details;
    super(code, message, { errors: fields.map((field) => ({ field, in: 'body', code: 'taken', message: `${field} is already taken` })), ...rest });
  }
}
/** Well-formed, but it contradicts what was sent before (e.g. an Idempotency-Key reused for another request). */
export class UnprocessableError extends AppError {
  readonly kind = 'unprocessable';
}
export class TooLargeError extends AppError {
  readonly kind = 'too_large';
  constructor(code = 'payload_too_large', message = 'The request body is too large.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
export class UnsupportedTypeError extends AppError {
  readonly kind = 'unsupported';
  constructor(code = 'unsupported_media_type', message = 'The request body must be application/json.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
/** A byte range past the end of a file. */
export class OutOfRangeError extends AppError {
  readonly kind = 'out_of_range';
  constructor(code = 'range_not_satisfiable', message = 'The range is not satisfiable.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
export class RateLimitedError extends AppError {
  readonly kind = 'rate_limited';
  constructor(code = 'rate_limited', message = 'Too many requests; try again later.', details: ErrorDetails = {}) {
    super(code, message, details);
  }

  /** The usual refusal of a rate limiter: `rate_limited`, to be retried after `seconds`. */
  static retryAfter(seconds: number): RateLimitedError {
    return new RateLimitedError(undefined, undefined, { retryAfter: seconds });
  }
}
/** A backing service is out of reach or busy: retrying later may work. */
export class UnavailableError extends AppError {
  readonly kind = 'unavailable';
}
/** A backing service (Redis, the database) did not answer: nothing is wrong with the request; retrying later works. */
export class DependencyUnavailableError extends AppError {
  readonly kind = 'unavailable';
  constructor(code = 'dependency_unavailable', message = 'A backing service is not reachable; try again shortly.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
/** The disk refused a write (full, read-only): nothing was kept. */
export class StorageFullError extends AppError {
  readonly kind = 'insufficient_storage';
}
/** A fault of the server; its message is the generic one the client sees. */
export class InternalError extends AppError {
  readonly kind = 'internal';
  constructor(code = 'internal_error', message = 'An unexpected error occurred.', details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
