// The error kinds and their edges: each kind's HTTP status in the one table, and a domain error thrown behind
// each edge (the API's error handler, the chat's error frame, the CLI's exit code) mapped as that edge maps it.
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { PasswordHashingBusyError } from '../src/auth/passwords.js';
import { errorFrameOf } from '../src/chat/frames.js';
import { EXIT, exitCodeOf } from '../src/cli/superuser.js';
import {
  InvalidInputError,
  ConflictError,
  UnprocessableError,
  ForbiddenError,
  StorageFullError,
  InternalError,
  NotFoundError,
  OutOfRangeError,
  TooLargeError,
  UnavailableError,
  RateLimitedError,
  UnauthenticatedError,
  UnsupportedTypeError,
  ValidationError,
  errorKinds,
  type AppError,
  type ErrorKind,
} from '../src/errors.js';
import { errorHandler, problemTitles, statusOfKind } from '../src/http/errors.js';
import { toAppError } from '../src/platform/known-errors.js';
import { StorageUnavailableError } from '../src/platform/storage.js';

const statuses: [ErrorKind, number][] = [
  ['invalid', 400],
  ['unauthenticated', 401],
  ['forbidden', 403],
  ['not_found', 404],
  ['conflict', 409],
  ['unprocessable', 422],
  ['too_large', 413],
  ['unsupported', 415],
  ['out_of_range', 416],
  ['rate_limited', 429],
  ['internal', 500],
  ['unavailable', 503],
  ['insufficient_storage', 507],
];

/** One error of each kind, built as the services build them: (code, message, details). */
const samples: [ErrorKind, AppError][] = [
  ['invalid', ValidationError.of([{ field: 'name', in: 'body', code: 'required', message: 'name is required' }])],
  ['invalid', new InvalidInputError('malformed_json', 'The request body is not valid JSON.')],
  ['unauthenticated', new UnauthenticatedError('invalid_token', 'The access token is invalid, expired or revoked.')],
  ['forbidden', new ForbiddenError('not_author', 'Only the author or a moderator may change this.')],
  ['not_found', new NotFoundError('post_not_found', 'No such post.')],
  ['conflict', new ConflictError('already_exists', 'name already taken', { fields: ['name'] })],
  ['unprocessable', new UnprocessableError('idempotency_key_reused', 'This Idempotency-Key was used for a different request.')],
  ['too_large', new TooLargeError('file_too_large', 'Each file may have at most 10 bytes.')],
  ['unsupported', new UnsupportedTypeError()],
  ['out_of_range', new OutOfRangeError('range_not_satisfiable', 'The file has 3 bytes.')],
  ['rate_limited', RateLimitedError.retryAfter(0.2)],
  ['internal', new InternalError()],
  ['unavailable', new UnavailableError('queue_unavailable', 'The job queue is not reachable; try again shortly.')],
  ['insufficient_storage', new StorageFullError('insufficient_storage', 'The server has no room left to store files; try again later.')],
];

function appThrowing(err: unknown) {
  const app = express();
  app.get('/x', () => {
    throw err;
  });
  app.use(errorHandler(pino({ level: 'silent' })));
  return app;
}

describe('error kinds', () => {
  it('maps every kind to its status, and every status has a problem title', () => {
    expect(Object.entries(statusOfKind).sort(([a], [b]) => a.localeCompare(b))).toEqual([...statuses].sort(([a], [b]) => a.localeCompare(b)));
    expect(errorKinds.filter((k) => !(k in statusOfKind))).toEqual([]);
    for (const [, status] of statuses) expect(problemTitles[status]).toEqual(expect.any(String));
  });

  it('gives every error class its kind, and takes the code first, the message second', () => {
    expect(samples.map(([, e]) => e.kind)).toEqual(samples.map(([k]) => k));
    const e = new NotFoundError('board_not_found', 'No such board.');
    expect({ code: e.code, message: e.message }).toEqual({ code: 'board_not_found', message: 'No such board.' });
    expect(new ForbiddenError()).toMatchObject({ code: 'forbidden', message: 'You may not do this.' });
    expect(new UnauthenticatedError()).toMatchObject({ code: 'unauthorized' });
    expect(ValidationError.of([])).toMatchObject({ kind: 'invalid', code: 'validation_failed', message: 'The request is not valid.' });
    expect(new PasswordHashingBusyError()).toMatchObject({ kind: 'unavailable', code: 'server_busy', retryAfter: 1 });
  });

  it.each(samples.map(([kind, e]) => [kind, e.code, e] as const))('answers %s (%s) over HTTP with its status, code and headers', async (kind, code, err) => {
    const res = await request(appThrowing(err)).get('/x');
    const status = statusOfKind[kind];
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: `urn:agora:problem:${code}`, title: problemTitles[status], status, code, detail: err.message, instance: '/x' });
    expect(res.headers['www-authenticate']).toBe(kind === 'unauthenticated' ? 'Bearer' : undefined);
    expect(res.headers['retry-after']).toBe(kind === 'rate_limited' ? '1' : undefined);
  });

  it('writes field errors, extra members and Retry-After as the error says', async () => {
    const taken = await request(appThrowing(new ConflictError('already_exists', 'name already taken', { fields: ['name'] }))).get('/x');
    expect(taken.body.errors).toEqual([{ field: 'name', in: 'body', code: 'taken', message: 'name is already taken' }]);
    const notReady = await request(appThrowing(new UnavailableError('not_ready', 'Not ready: redis.', { extra: { checks: { redis: 'down' } } }))).get('/x');
    expect(notReady.body).toMatchObject({ status: 503, code: 'not_ready', checks: { redis: 'down' } });
    const busy = await request(appThrowing(new PasswordHashingBusyError())).get('/x');
    expect({ status: busy.status, retryAfter: busy.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '1' });
    const limited = await request(appThrowing(RateLimitedError.retryAfter(12.2))).get('/x');
    expect({ status: limited.status, retryAfter: limited.headers['retry-after'] }).toEqual({ status: 429, retryAfter: '13' });
  });

  it('answers an unknown error as a 500 internal_error, without its message', async () => {
    const res = await request(appThrowing(new Error('SELECT secret'))).get('/x');
    expect(res.body).toMatchObject({ status: 500, code: 'internal_error', detail: 'An unexpected error occurred.' });
  });

  it('turns platform failures into domain errors', () => {
    expect(toAppError(new StorageUnavailableError('full', 'ENOSPC', null))).toMatchObject({ kind: 'insufficient_storage', code: 'insufficient_storage' });
    expect(toAppError(new Error('Connection is closed.'))).toMatchObject({ kind: 'unavailable', code: 'dependency_unavailable' });
    expect(toAppError(new Error('anything else'))).toBeNull();
  });

  it('sends a domain error to a chat client as an error frame with its code and message', () => {
    for (const [, err] of samples) {
      expect(JSON.parse(errorFrameOf(err, { sessionId: 3, ref: 'r1' }))).toEqual({ v: 1, type: 'error', code: err.code, message: err.message, sessionId: 3, ref: 'r1' });
    }
  });

  it('ends the CLI with the exit code of the kind', () => {
    const codes = Object.fromEntries(errorKinds.map((k) => [k, exitCodeOf(k)]));
    expect(codes).toEqual({ ...Object.fromEntries(errorKinds.map((k) => [k, EXIT.failure])), invalid: EXIT.invalid, conflict: EXIT.exists });
  });
});
