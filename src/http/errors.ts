// The HTTP edge of the error hierarchy (../errors.ts): each kind's status in one table, and errorHandler,
// which answers every error as RFC 9457 application/problem+json with a stable `code`. Services throw
// domain errors; routes never build error bodies.
import type { ErrorRequestHandler } from 'express';
import { AppError, InvalidInputError, InternalError, TooLargeError, UnsupportedTypeError, type ErrorKind, type FieldError } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { toAppError } from '../platform/known-errors.js';
import { StorageUnavailableError } from '../platform/storage.js';

/** The status of each kind of error. */
export const statusOfKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_large: 413,
  unsupported: 415,
  out_of_range: 416,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  insufficient_storage: 507,
};

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

/** An error as HTTP answers it: status, headers and what the problem document says. */
export interface HttpFailure {
  status: number;
  headers: Record<string, string>;
  code: string;
  message: string;
  errors?: FieldError[];
  extra?: Record<string, unknown>;
}

/** A domain error as an HTTP answer: its kind's status, the auth scheme on a 401, Retry-After when it says when. */
export function httpFailureOf(err: AppError): HttpFailure {
  const headers: Record<string, string> = {};
  if (err.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer';
  if (err.retryAfter !== undefined) headers['Retry-After'] = String(err.retryAfter);
  return { status: statusOfKind[err.kind], headers, code: err.code, message: err.message, errors: err.errors, extra: err.extra };
}

export function problemOf(err: AppError | HttpFailure, instance?: string, requestId?: string): Problem {
  const f = err instanceof AppError ? httpFailureOf(err) : err;
  return {
    type: `urn:agora:problem:${f.code}`,
    title: problemTitles[f.status] ?? 'Error',
    status: f.status,
    detail: f.message,
    code: f.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { requestId } : {}),
    ...(f.errors?.length ? { errors: f.errors } : {}),
    ...f.extra,
  };
}

/** A client error of a body parser or the router: a domain error, or (a status no kind has) an answer as it is. */
function parserFailure(err: unknown): AppError | HttpFailure | null {
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
  // body-parser (express.json)
  if (e?.type === 'entity.parse.failed') return new InvalidInputError('malformed_json', 'The request body is not valid JSON.');
  if (e?.type === 'entity.too.large') return new TooLargeError();
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new UnsupportedTypeError('unsupported_media_type', 'Unsupported request body encoding.');
  if (e?.type === 'request.aborted') return new InvalidInputError('request_aborted', 'The request was aborted.');
  // the router could not percent-decode a path parameter (`/users/%ZZ`)
  if (err instanceof URIError && e.status === 400) {
    return new InvalidInputError('invalid_path', 'The path has a malformed percent-encoding.', {
      errors: [{ field: 'path', in: 'params', code: 'invalid_path', message: 'path has a malformed percent-encoding' }],
    });
  }
  // any other client error raised by a parser (http-errors with a 4xx status): the client's fault, never a 500
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose !== false) {
    return {
      status,
      headers: {},
      code: status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request',
      message: problemTitles[status] ? `${problemTitles[status]}.` : 'The request is not valid.',
    };
  }
  return null;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err instanceof AppError ? err : (parserFailure(err) ?? toAppError(err));
    if (!known) (req.log ?? logger).error({ err }, 'unhandled error');
    // the operator's cue: the request log line shows only the status
    else if (err instanceof StorageUnavailableError) (req.log ?? logger).error({ errno: err.errno, reason: err.reason }, `upload refused: ${err.message}`);
    const failure = known instanceof AppError ? httpFailureOf(known) : (known ?? httpFailureOf(new InternalError()));
    for (const [k, v] of Object.entries(failure.headers)) res.setHeader(k, v);
    res
      .status(failure.status)
      .type('application/problem+json')
      .send(JSON.stringify(problemOf(failure, req.originalUrl.split('?')[0], req.id as string | undefined)));
  };
}
