// Multipart uploads (busboy): each file is streamed into storage (a temp file under UPLOADS_DIR, renamed into
// place when complete) while its bytes are counted, hashed and its type sniffed from the first bytes. Limits
// per file, per request and in total; a type outside the allow-list is refused. The upload is all or
// nothing: on any failure every file this request already stored is deleted before the error is returned.
import busboy from 'busboy';
import type { Request } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError, BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError, type ErrorDetails } from '../errors.js';
import type { Logger } from '../platform/logger.js';
import { randomObjectName, type Storage } from '../platform/storage.js';

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxTotalBytes: number;
  /** Content types allowed (`type/subtype` or `type/*`). */
  allowedTypes: string[];
}

/** A file stored by this request, not yet referenced by any row. */
export interface ReceivedFile {
  key: string;
  storedName: string;
  originalName: string;
  size: number;
  mimeType: string;
  sha256: string;
}

export interface Upload {
  fields: Record<string, string>;
  files: ReceivedFile[];
}

/** Storage folder of attachments; keys are `attachments/<random name>`, never built from input. */
export const ATTACHMENTS = 'attachments';

const SNIFF_BYTES = 4100;

export const isMultipart = (req: Request): boolean => Boolean(req.is('multipart/form-data'));

export function typeAllowed(type: string, allowed: string[]): boolean {
  return allowed.some((a) => a === type || (a.endsWith('/*') && type.startsWith(a.slice(0, -1))));
}

/** A refused upload, with a field error on `field` when one part is to blame. */
function uploadError(Kind: new (code: string, message: string, details?: ErrorDetails) => AppError, code: string, message: string, field?: string): AppError {
  return new Kind(code, message, field ? { errors: [{ field, in: 'body', code, message }] } : {});
}

/** Plain text has no magic number: UTF-8 without NUL or other control bytes (tabs and newlines aside). */
function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return false;
  // stream mode: a multi-byte character cut at the end of the sniffed head is held back, not an error
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head, { stream: true });
  if (text.includes('\uFFFD')) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/.test(head.toString('latin1'));
}

/** Sniffs the type from the first bytes, then passes everything through; counts toward the total. */
class Guard extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  mimeType: string | null = null;

  constructor(
    private readonly field: string,
    private readonly allowed: string[],
    private readonly onBytes: (n: number) => AppError | null,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const over = this.onBytes(chunk.length);
    if (over) return cb(over);
    if (this.mimeType) return cb(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return cb();
    this.decide().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.mimeType) return cb();
    if (this.headBytes === 0) return cb(uploadError(BadRequestError, 'empty_file', 'An attached file is empty.', this.field));
    this.decide().then(() => cb(), cb);
  }

  private async decide(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    const sniffed = await fileTypeFromBuffer(head);
    const type = sniffed?.mime ?? (looksLikeText(head) ? 'text/plain' : 'application/octet-stream');
    if (!typeAllowed(type, this.allowed)) {
      throw uploadError(UnsupportedMediaTypeError, 'file_type_not_allowed', `Files of type ${type} are not accepted (allowed: ${this.allowed.join(', ')}).`, this.field);
    }
    this.mimeType = type;
    this.push(head);
  }
}

/** Normalises a client's file name for display and download: no path, no control characters, ≤ 255 chars. */
export function cleanFileName(name: string | undefined): string {
  const last = (name ?? '').normalize('NFC').split(/[\\/]/).pop()!;
  // eslint-disable-next-line no-control-regex
  const base = last.replace(/[\u0000-\u001F\u007F]/g, '').trim();
  if (!base || base === '.' || base === '..') return 'file';
  return [...base].slice(0, 255).join('');
}

export async function deleteFiles(storage: Storage, keys: string[], logger?: Logger): Promise<void> {
  await Promise.all(
    keys.map((key) =>
      storage.delete(key).catch((err: Error) => {
        // the row is gone; an undeletable file is an orphan to clean by hand, never a failed request
        logger?.error({ err: err.message, key }, 'could not delete a stored file');
      }),
    ),
  );
}

/**
 * Receives a multipart body: text fields plus files in the part named `fileField`. Resolves when every file is
 * stored; rejects with a problem (413/415/400) after deleting whatever it stored.
 */
export function receiveUpload(req: Request, storage: Storage, limits: UploadLimits, opts: { fileField?: string; validate?: (fields: Record<string, string>) => void } = {}): Promise<Upload> {
  const fileField = opts.fileField ?? 'files';
  const declared = Number(req.headers['content-length']);
  // a declared body beyond the total (plus room for the text fields) is refused before a byte is read
  if (Number.isFinite(declared) && declared > limits.maxTotalBytes + 256 * 1024) {
    req.resume();
    return Promise.reject(uploadError(PayloadTooLargeError, 'upload_too_large', `The attachments together may not exceed ${limits.maxTotalBytes} bytes.`));
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 20, fieldSize: 70_000, parts: limits.maxFiles + 20 },
    });
  } catch (e) {
    return Promise.reject(new BadRequestError('malformed_multipart', `The multipart body cannot be read: ${(e as Error).message}`));
  }

  return new Promise<Upload>((resolve, reject) => {
    const fields: Record<string, string> = {};
    const stored: ReceivedFile[] = [];
    const writes: Promise<void>[] = [];
    const active = new Set<Guard>();
    let total = 0;
    let index = 0;
    let failure: Error | null = null;
    let settled = false;

    const settle = async () => {
      if (settled) return;
      settled = true;
      await Promise.allSettled(writes);
      if (!failure) {
        try {
          opts.validate?.(fields);
        } catch (e) {
          failure = e instanceof AppError ? e : new BadRequestError('invalid_form', (e as Error).message);
        }
      }
      if (failure) {
        await deleteFiles(
          storage,
          stored.filter(Boolean).map((f) => f.key),
        );
        reject(failure);
      } else {
        resolve({ fields, files: stored.filter(Boolean) });
      }
    };

    const fail = (err: Error) => {
      if (failure) return;
      failure = err;
      req.unpipe(bb);
      // read and discard the rest of the body, so the client receives the problem instead of a reset
      req.resume();
      for (const g of active) g.destroy(err);
      void settle();
    };

    bb.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(uploadError(PayloadTooLargeError, 'field_too_large', `The field ${name} is too long.`, name));
      fields[name] = value;
    });

    bb.on('file', (name, stream, info) => {
      const slot = index++;
      const field = `${fileField}[${slot}]`;
      if (failure) {
        stream.resume();
        return;
      }
      if (name !== fileField) {
        stream.resume();
        return fail(ValidationError.of([{ field: name, in: 'body', code: 'unexpected_file', message: `Files go in the "${fileField}" field.` }]));
      }
      const guard = new Guard(field, limits.allowedTypes, (n) => {
        total += n;
        return total > limits.maxTotalBytes ? uploadError(PayloadTooLargeError, 'upload_too_large', `The attachments together may not exceed ${limits.maxTotalBytes} bytes.`) : null;
      });
      active.add(guard);
      // storage.put attaches its pipeline after an await: until then the guard's error must not go unhandled
      // (the pipeline still sees it, the stream being already errored)
      guard.on('error', () => undefined);
      stream.on('limit', () => guard.destroy(uploadError(PayloadTooLargeError, 'file_too_large', `Each file may have at most ${limits.maxFileBytes} bytes.`, field)));
      stream.on('error', (e: Error) => guard.destroy(new BadRequestError('malformed_multipart', e.message)));
      stream.pipe(guard);
      const storedName = randomObjectName();
      const key = `${ATTACHMENTS}/${storedName}`;
      writes.push(
        storage.put(key, guard).then(
          (obj) => {
            active.delete(guard);
            // in the request's order, whichever write finishes first
            stored[slot] = { key, storedName, originalName: cleanFileName(info.filename), size: obj.size, sha256: obj.sha256, mimeType: guard.mimeType! };
          },
          (e: unknown) => {
            active.delete(guard);
            stream.resume();
            // a storage failure is ours, not the client's: a full or read-only disk is a 507, anything else a 500
            fail(e as Error);
          },
        ),
      );
    });

    bb.on('filesLimit', () => fail(uploadError(PayloadTooLargeError, 'too_many_files', `At most ${limits.maxFiles} files may be attached.`, fileField)));
    bb.on('fieldsLimit', () => fail(uploadError(PayloadTooLargeError, 'too_many_fields', 'The form has too many fields.')));
    bb.on('partsLimit', () => fail(uploadError(PayloadTooLargeError, 'too_many_parts', 'The form has too many parts.')));
    bb.on('error', (e: Error) => fail(new BadRequestError('malformed_multipart', `The multipart body cannot be read: ${e.message}`)));
    bb.on('close', () => void settle());
    // a client that goes away mid-upload: nothing it sent is kept
    req.on('close', () => {
      if (!req.complete) fail(new BadRequestError('upload_aborted', 'The upload was interrupted.'));
    });
    req.pipe(bb);
  });
}
