// Thumbnails of image attachments: WebP, longest side THUMBNAIL_SIZE, made once by the worker (a BullMQ job the
// api queues after the post or comment commits). Only raster images sniffed from the stored bytes (PNG, JPEG,
// GIF, WebP) get one: never an SVG nor anything else, whatever the client claimed. A thumbnail is absent until
// it is ready (files[].thumbnailUrl appears then).
// The job is idempotent: its id is the file's (a second request while one waits adds nothing), a file that
// already has its thumbnail, or no longer exists, is skipped, and the thumbnail's key is derived from the file,
// so a run repeated after a crash rewrites the same object and sets the same column once.
import { fileTypeFromBuffer } from 'file-type';
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/prisma.js';
import { queueNames, type Queues } from '../platform/queue.js';
import type { Storage } from '../platform/storage.js';

export const THUMBNAIL_SIZE = 320;
/** What a thumbnail is made of (sniffed from the bytes); everything else, SVG included, never gets one. */
const RASTER = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Decoding bombs: an image of more pixels than this is left without a thumbnail. */
const MAX_INPUT_PIXELS = 50_000_000;

export interface ThumbnailJobData {
  /** The file's public id: p<n> or c<n>. */
  fileId: string;
}

export const thumbnailJobName = 'thumbnail';
export const thumbnailKey = (fileId: string) => `thumbnails/${fileId}.webp`;

/** Whether a file of this (sniffed) type gets a thumbnail. */
export const wantsThumbnail = (mimeType: string) => RASTER.has(mimeType);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class Thumbnails {
  constructor(
    private readonly prisma: Db,
    private readonly storage: Storage,
    private readonly queues: Queues,
    private readonly logger: Logger,
  ) {}

  /**
   * Queues the thumbnails of the images among these files (after their rows committed). Best effort: a queue
   * that does not answer leaves the files without a thumbnail, never fails the post or comment.
   */
  async request(kind: 'p' | 'c', files: { id: number; mimeType: string }[]): Promise<void> {
    const jobs = files
      .filter((f) => wantsThumbnail(f.mimeType))
      .map((f) => {
        const data: ThumbnailJobData = { fileId: `${kind}${f.id}` };
        return {
          name: thumbnailJobName,
          data,
          opts: { jobId: `thumb-${data.fileId}`, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600, count: 1000 } },
        };
      });
    if (!jobs.length) return;
    await this.queues
      .get(queueNames.fileThumbnails)
      .addBulk(jobs)
      .catch((err: unknown) => this.logger.warn({ err, files: jobs.map((j) => j.data.fileId) }, 'could not queue thumbnails; the files stay without one'));
  }

  /**
   * Makes the thumbnail of one file (the job's work). Returns what happened; throws only what a retry may fix
   * (storage or database errors).
   */
  async produce(fileId: string): Promise<'made' | 'exists' | 'gone' | 'not_an_image'> {
    const m = /^([pc])([1-9][0-9]{0,9})$/.exec(fileId);
    if (!m) return 'gone';
    const id = Number(m[2]);
    const table = m[1] === 'p' ? this.prisma.postFile : this.prisma.commentFile;
    // (the two delegates share these calls' shapes)
    const row = await (table as typeof this.prisma.postFile).findUnique({ where: { id }, select: { path: true, thumbnailKey: true } });
    if (!row) return 'gone';
    if (row.thumbnailKey) return 'exists';
    const bytes = await readAll(await this.storage.read(row.path));
    const sniffed = await fileTypeFromBuffer(bytes);
    if (!sniffed || !wantsThumbnail(sniffed.mime)) return 'not_an_image';
    let webp: Buffer;
    try {
      webp = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, animated: false })
        .rotate()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
    } catch (err) {
      // a damaged or oversized image: no retry can fix it
      this.logger.info({ fileId, err: (err as Error).message }, 'no thumbnail: the image cannot be decoded');
      return 'not_an_image';
    }
    const key = thumbnailKey(fileId);
    await this.storage.put(key, webp);
    const set = await (table as typeof this.prisma.postFile).updateMany({ where: { id, thumbnailKey: null }, data: { thumbnailKey: key } });
    if (set.count === 0 && !(await (table as typeof this.prisma.postFile).findUnique({ where: { id }, select: { id: true } }))) {
      // the file was deleted while its thumbnail was made (its post's delete did not see this key): leave no orphan
      await this.storage.delete(key);
      return 'gone';
    }
    return 'made';
  }
}
