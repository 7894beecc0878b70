// Attachments: multipart files (read by src/http/multipart.ts, type sniffed, limits enforced) streamed into
// storage (a temp file under UPLOADS_DIR, renamed into place when complete). All or nothing: on any failure
// every file this request already stored is deleted before the error is returned.
import type { Request } from 'express';
import { readMultipart, type MultipartLimits, type MultipartSink } from '../http/multipart.js';
import type { Logger } from '../platform/logger.js';
import { randomObjectName, type Storage } from '../platform/storage.js';

export type UploadLimits = MultipartLimits;

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
 * Receives a multipart body: text fields plus files in the part named `fileField`, each stored under
 * attachments/ with a random name. Resolves when every file is stored; rejects with a problem (413/415/400)
 * after deleting whatever it stored.
 */
export function receiveUpload(req: Request, storage: Storage, limits: UploadLimits, opts: { fileField?: string; validate?: (fields: Record<string, string>) => void } = {}): Promise<Upload> {
  const sink: MultipartSink<{ key: string; storedName: string; size: number; sha256: string }> = {
    async write(stream) {
      const storedName = randomObjectName();
      const key = `${ATTACHMENTS}/${storedName}`;
      const obj = await storage.put(key, stream);
      return { key, storedName, size: obj.size, sha256: obj.sha256 };
    },
    discard: (kept) =>
      deleteFiles(
        storage,
        kept.map((f) => f.key),
      ),
  };
  return readMultipart(req, sink, limits, { fileField: opts.fileField ?? 'files', validate: opts.validate });
}
