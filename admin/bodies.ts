// Request bodies of the admin panel. AdminJS reads `req.fields` and `req.files` (the shape of
// express-formidable, which @adminjs/express runs before its sign-in check and which leaves every uploaded
// file in the OS temp folder). This parser runs instead, after the session is known:
//   visitors without a session   nothing is read (AdminJS sends them to the login page)
//   the sign-in form             its text fields only, small limits, file parts discarded unread to disk
//   signed-in operators          JSON, urlencoded or multipart within limits; files go to a folder of Agora's
//                                (UPLOADS_DIR/.tmp/admin) and each one is deleted when the response ends,
//                                whatever the outcome
// The request is then marked parsed, so the formidable middleware inside @adminjs/express does nothing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { InvalidInputError, TooLargeError, UnsupportedTypeError } from '../src/errors.js';
import type { Logger } from '../src/platform/logger.js';

export interface BodyLimits {
  /** Bytes of all text fields together (a JSON or urlencoded body as a whole). */
  maxFieldsBytes: number;
  maxFields: number;
  /** Files per request; 0 refuses none but stores none (their bytes are read and dropped). */
  maxFiles: number;
  /** Bytes of all files of a request together. */
  maxFileBytes: number;
}

/** The sign-in form: a login and a password. */
export const SIGN_IN_LIMITS: BodyLimits = { maxFieldsBytes: 32 * 1024, maxFields: 10, maxFiles: 0, maxFileBytes: 0 };
/** The panel's own forms (a model's training CSV is the largest field). */
export const OPERATOR_LIMITS: BodyLimits = { maxFieldsBytes: 5 * 1024 * 1024, maxFields: 2000, maxFiles: 10, maxFileBytes: 5 * 1024 * 1024 };

/** A received file as AdminJS (and @adminjs/upload) expect it: formidable's fields. */
export interface ReceivedFile {
  path: string;
  name: string;
  type: string;
  size: number;
}

type Parsed = { fields: Record<string, unknown>; files: Record<string, ReceivedFile> };

const hasBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

function markParsed(req: Request, parsed: Parsed) {
  Object.assign(req, { fields: parsed.fields, files: parsed.files, express_formidable: { parsed: true } });
}

/** The whole body as text, refused (413) past `limit` bytes; the rest of an oversized body is drained. */
function readText(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return reject(new TooLargeError());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new TooLargeError());
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => reject(new InvalidInputError('request_aborted', 'The request was aborted.')));
  });
}

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInputError('malformed_json', 'The request body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('malformed_json', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

function parseForm(text: string, limits: BodyLimits): Record<string, string> {
  const params = new URLSearchParams(text);
  const fields: Record<string, string> = {};
  let count = 0;
  for (const [k, v] of params) {
    if (++count > limits.maxFields) throw new TooLargeError('too_many_fields', 'The form has too many fields.');
    fields[k] = v;
  }
  return fields;
}

/**
 * A multipart body: text fields, and files written under `dir` (registered with `track` before the first
 * byte is written, so the request's clean-up always finds them).
 */
function parseMultipart(req: Request, limits: BodyLimits, dir: string, track: (file: string, written: Promise<void>) => void): Promise<Parsed> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fields: limits.maxFields, fieldSize: limits.maxFieldsBytes, files: limits.maxFiles, fileSize: limits.maxFileBytes } });
  } catch (e) {
    return Promise.reject(new InvalidInputError('malformed_multipart', `The multipart body cannot be read: ${(e as Error).message}`));
  }
  return new Promise<Parsed>((resolve, reject) => {
    const fields: Record<string, unknown> = {};
    const files: Record<string, ReceivedFile> = {};
    const writes: Promise<void>[] = [];
    const active = new Set<fs.WriteStream>();
    let fieldBytes = 0;
    let fileBytes = 0;
    let failure: Error | null = null;
    const fail = (err: Error) => {
      if (failure) return;
      failure = err;
      req.unpipe(bb);
      req.resume();
      // files being written stop here (and close, so the clean-up can remove them)
      for (const out of active) out.destroy();
      reject(err);
    };
    bb.on('field', (name, value, info) => {
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.valueTruncated || fieldBytes > limits.maxFieldsBytes) return fail(new TooLargeError('field_too_large', 'The form fields are too large.'));
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (failure) return stream.resume();
      const file = path.join(dir, crypto.randomBytes(16).toString('hex'));
      const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
      active.add(out);
      const written = new Promise<void>((res) =>
        out.once('close', () => {
          active.delete(out);
          res();
        }),
      );
      track(file, written);
      writes.push(written);
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        fileBytes += c.length;
        if (fileBytes > limits.maxFileBytes) {
          stream.unpipe(out);
          stream.resume();
          fail(new TooLargeError('upload_too_large', `The files together may not exceed ${limits.maxFileBytes} bytes.`));
        }
      });
      stream.on('limit', () => fail(new TooLargeError('upload_too_large', `The files together may not exceed ${limits.maxFileBytes} bytes.`)));
      out.on('error', (e) => fail(e));
      stream.pipe(out);
      out.once('finish', () => {
        files[name] = { path: file, name: path.basename(info.filename ?? '') || 'file', type: info.mimeType, size };
      });
    });
    bb.on('filesLimit', () => {
      // the sign-in form takes no files: their parts are skipped, the fields still count
      if (limits.maxFiles > 0) fail(new TooLargeError('too_many_files', `At most ${limits.maxFiles} files may be sent.`));
    });
    bb.on('fieldsLimit', () => fail(new TooLargeError('too_many_fields', 'The form has too many fields.')));
    bb.on('error', (e: Error) => fail(new InvalidInputError('malformed_multipart', `The multipart body cannot be read: ${e.message}`)));
    bb.on('close', () => {
      void Promise.all(writes).then(() => {
        if (!failure) resolve({ fields, files });
      });
    });
    req.on('close', () => {
      if (!req.complete) fail(new InvalidInputError('request_aborted', 'The request was aborted.'));
    });
    req.pipe(bb);
  });
}

/** Removes files a crashed process left in the folder (older than `maxAgeMs`). */
export async function sweepStale(dir: string, maxAgeMs: number, logger?: Logger): Promise<void> {
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names) {
    const file = path.join(dir, name);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (stat?.isFile() && now - stat.mtimeMs > maxAgeMs)
      await fs.promises.rm(file, { force: true }).catch((err: Error) => logger?.warn({ err: err.message, file }, 'admin: could not remove a stale upload'));
  }
}

export interface AdminBodyOptions {
  /** Folder for files of signed-in requests (created when missing). */
  dir: string;
  signedIn: (req: Request) => boolean;
  logger?: Logger;
  signIn?: BodyLimits;
  operator?: BodyLimits;
}

export function adminBodies(opts: AdminBodyOptions): RequestHandler {
  const signIn = opts.signIn ?? SIGN_IN_LIMITS;
  const operator = opts.operator ?? OPERATOR_LIMITS;
  let made: Promise<unknown> | undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const empty = () => markParsed(req, { fields: {}, files: {} });
    const operatorRequest = opts.signedIn(req);
    const signInForm = !operatorRequest && req.method === 'POST' && req.path === '/login';
    // without a session nothing but the sign-in form is read: the body is left to the server to discard
    if (!hasBody(req) || (!operatorRequest && !signInForm)) {
      empty();
      return next();
    }
    const limits = operatorRequest ? operator : signIn;
    const tracked: { file: string; written: Promise<void> }[] = [];
    let ended = false;
    const removeAll = async () => {
      const batch = tracked.splice(0);
      // a file is removed once its stream has closed, so no write lands after the unlink
      await Promise.all(
        batch.map(({ file, written }) =>
          written.then(() => fs.promises.rm(file, { force: true })).catch((err: Error) => opts.logger?.error({ err: err.message, file }, 'admin: could not remove an upload')),
        ),
      );
    };
    // whatever the outcome (answered, failed, or the client gone), the request's files go when it ends
    res.once('close', () => {
      ended = true;
      void removeAll();
    });
    const track = (file: string, written: Promise<void>) => {
      tracked.push({ file, written });
      if (ended) void removeAll();
    };
    const type = req.is(['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']);
    const parse = async (): Promise<Parsed> => {
      if (type === 'multipart/form-data') {
        if (limits.maxFiles > 0) await (made ??= fs.promises.mkdir(opts.dir, { recursive: true, mode: 0o700 }));
        return parseMultipart(req, limits, opts.dir, track);
      }
      if (type === 'application/json') return { fields: parseJson(await readText(req, limits.maxFieldsBytes)), files: {} };
      if (type === 'application/x-www-form-urlencoded') return { fields: parseForm(await readText(req, limits.maxFieldsBytes), limits), files: {} };
      req.resume();
      throw new UnsupportedTypeError('unsupported_media_type', 'The request body must be application/json, application/x-www-form-urlencoded or multipart/form-data.');
    };
    parse().then(
      (parsed) => {
        markParsed(req, parsed);
        next();
      },
      (err: unknown) => {
        void removeAll();
        next(err);
      },
    );
  };
}
