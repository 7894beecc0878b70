// The one multipart reader (busboy) of the API: text fields plus files in one named part. Each file's type is
// sniffed from its first bytes (never the name or the declared type) while its bytes are counted against the
// limits per file, per request and in total, and streamed into a sink: storage for attachments
// (src/files/upload.ts), memory for an AI dataset (src/ais/form.ts). All or nothing: on any failure whatever a
// sink already kept is discarded before the problem is returned.
import busboy from 'busboy';
import type { Request } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { AppError, InvalidInputError, TooLargeError, UnsupportedTypeError, ValidationError, type ErrorDetails } from '../errors.js';

export interface MultipartLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxTotalBytes: number;
  /** Content types allowed (`type/subtype` or `type/*`). */
  allowedTypes: string[];
}

/** Where a file's bytes go: `write` consumes the (checked) stream; `discard` undoes what was kept. */
export interface MultipartSink<T> {
  write(stream: Readable): Promise<T>;
  discard(kept: T[]): Promise<void>;
}

/** A received file: what the sink kept, with the client's name (cleaned) and the sniffed type. */
export type Received<T> = T & { originalName: string; mimeType: string };

export interface MultipartOptions {
  /** The part the files come in. */
  fileField: string;
  /** Checks the text fields once the body is read (throws a problem). */
  validate?: (fields: Record<string, string>) => void;
  /** The problem for a file or a body over its limit (default upload_too_large / file_too_large). */
  tooLarge?: (field: string) => AppError;
}

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

/** A sink that keeps each file in memory, for bodies bounded small enough to hold (an AI dataset). */
export const memorySink: MultipartSink<{ data: Buffer; size: number; sha256: string }> = {
  async write(stream) {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      hash.update(chunk);
    }
    const data = Buffer.concat(chunks);
    return { data, size: data.length, sha256: hash.digest('hex') };
  },
  async discard() {},
};

const SNIFF_BYTES = 4100;

/** Sniffs the type from the first bytes, then passes everything through; counts toward the total. */
class TypeSniffer extends Transform {
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
    if (this.headBytes === 0) return cb(uploadError(InvalidInputError, 'empty_file', 'An attached file is empty.', this.field));
    this.decide().then(() => cb(), cb);
  }

  private async decide(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    const sniffed = await fileTypeFromBuffer(head);
    const type = sniffed?.mime ?? (looksLikeText(head) ? 'text/plain' : 'application/octet-stream');
    if (!typeAllowed(type, this.allowed)) {
      throw uploadError(UnsupportedTypeError, 'file_type_not_allowed', `Files of type ${type} are not accepted (allowed: ${this.allowed.join(', ')}).`, this.field);
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

/**
 * Reads a multipart body: text fields plus files in the part named `fileField`, each written to the sink.
 * Resolves when every file is kept; rejects with a problem (413/415/400) after discarding whatever was kept.
 */
export function readMultipart<T>(req: Request, sink: MultipartSink<T>, limits: MultipartLimits, opts: MultipartOptions): Promise<{ fields: Record<string, string>; files: Received<T>[] }> {
  const { fileField } = opts;
  const totalTooLarge = () => opts.tooLarge?.(fileField) ?? uploadError(TooLargeError, 'upload_too_large', `The attachments together may not exceed ${limits.maxTotalBytes} bytes.`);
  const fileTooLarge = (field: string) => opts.tooLarge?.(field) ?? uploadError(TooLargeError, 'file_too_large', `Each file may have at most ${limits.maxFileBytes} bytes.`, field);
  const declared = Number(req.headers['content-length']);
  // a declared body beyond the total (plus room for the text fields) is refused before a byte is read
  if (Number.isFinite(declared) && declared > limits.maxTotalBytes + 256 * 1024) {
    req.resume();
    return Promise.reject(totalTooLarge());
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: 20, fieldSize: 70_000, parts: limits.maxFiles + 20 },
    });
  } catch (e) {
    return Promise.reject(new InvalidInputError('malformed_multipart', `The multipart body cannot be read: ${(e as Error).message}`));
  }

  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const kept: Received<T>[] = [];
    const writes: Promise<void>[] = [];
    const active = new Set<TypeSniffer>();
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
          failure = e instanceof AppError ? e : new InvalidInputError('invalid_form', (e as Error).message);
        }
      }
      if (failure) {
        await sink.discard(kept.filter(Boolean));
        reject(failure);
      } else {
        resolve({ fields, files: kept.filter(Boolean) });
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
      if (info.nameTruncated || info.valueTruncated) return fail(uploadError(TooLargeError, 'field_too_large', `The field ${name} is too long.`, name));
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
      const sniffer = new TypeSniffer(field, limits.allowedTypes, (n) => {
        total += n;
        return total > limits.maxTotalBytes ? totalTooLarge() : null;
      });
      active.add(sniffer);
      // a sink may attach its pipeline after an await: until then the sniffer's error must not go unhandled
      // (the pipeline still sees it, the stream being already errored)
      sniffer.on('error', () => undefined);
      stream.on('limit', () => sniffer.destroy(fileTooLarge(field)));
      stream.on('error', (e: Error) => sniffer.destroy(new InvalidInputError('malformed_multipart', e.message)));
      stream.pipe(sniffer);
      writes.push(
        sink.write(sniffer).then(
          (result) => {
            active.delete(sniffer);
            // in the request's order, whichever write finishes first
            kept[slot] = { ...result, originalName: cleanFileName(info.filename), mimeType: sniffer.mimeType! };
          },
          (e: unknown) => {
            active.delete(sniffer);
            stream.resume();
            // a storage failure is ours, not the client's: a full or read-only disk is a 507, anything else a 500
            fail(e as Error);
          },
        ),
      );
    });

    bb.on('filesLimit', () => fail(uploadError(TooLargeError, 'too_many_files', `At most ${limits.maxFiles} files may be attached.`, fileField)));
    bb.on('fieldsLimit', () => fail(uploadError(TooLargeError, 'too_many_fields', 'The form has too many fields.')));
    bb.on('partsLimit', () => fail(uploadError(TooLargeError, 'too_many_parts', 'The form has too many parts.')));
    bb.on('error', (e: Error) => fail(new InvalidInputError('malformed_multipart', `The multipart body cannot be read: ${e.message}`)));
    bb.on('close', () => void settle());
    // a client that goes away mid-upload: nothing it sent is kept
    req.on('close', () => {
      if (!req.complete) fail(new InvalidInputError('upload_aborted', 'The upload was interrupted.'));
    });
    req.pipe(bb);
  });
}
