// Signed, expiring URLs of attachments, for clients that cannot send an Authorization header (an <img>).
// A URL names the file, what of it (the file or its thumbnail), the viewer it was issued to (0: anonymous) and
// its expiry; its signature is an HMAC-SHA256 of those with a key derived from JWT_SECRET. The signature only
// says who asked and until when: the download still applies the read rule to that viewer as they are now
// (FilesService.findSigned), so a ban, a revoked grant, a hidden board or a deleted post ends it too.
import crypto from 'node:crypto';
import type { Viewer } from '../access/index.js';
import { ForbiddenError } from '../errors.js';

export type FileVariant = 'file' | 'thumbnail';

export interface SignedQuery {
  exp: number;
  u: number;
  sig: string;
}

/** The paths of signed URLs under /api/v1 (the header-authenticated download stays /files/{id}). */
export const signedPath = { file: 'signed', thumbnail: 'thumbnail' } as const satisfies Record<FileVariant, string>;

export class FileUrls {
  private readonly key: Buffer;
  /** URLs issued within one step share their expiry (and so their text): browsers can cache what they load. */
  private readonly stepSeconds: number;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    // its own key: a file URL's signature can never be taken for another use of JWT_SECRET
    this.key = crypto.createHmac('sha256', secret).update('agora:file-url:v1').digest();
    this.stepSeconds = Math.max(1, Math.floor(ttlSeconds / 10));
  }

  /** The URL (relative to the origin) of a file, or of its thumbnail, for this viewer. */
  url(fileId: string, variant: FileVariant, viewer: Viewer | null): string {
    const nowSeconds = Math.floor(this.now() / 1000);
    const exp = nowSeconds - (nowSeconds % this.stepSeconds) + this.ttlSeconds;
    const u = viewer?.id ?? 0;
    return `/api/v1/files/${fileId}/${signedPath[variant]}?exp=${exp}&u=${u}&sig=${this.sign(fileId, variant, u, exp)}`;
  }

  /**
   * The viewer id a signed URL was issued to (null: anonymous), or a 403: `file_url_invalid` for a signature
   * that does not match what it signs (any part changed), `file_url_expired` once its time has passed.
   */
  verify(fileId: string, variant: FileVariant, { exp, u, sig }: SignedQuery): number | null {
    const expected = Buffer.from(this.sign(fileId, variant, u, exp));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new ForbiddenError('file_url_invalid', 'This file link is not valid.');
    if (exp * 1000 <= this.now()) throw new ForbiddenError('file_url_expired', 'This file link has expired; read the post again for a new one.');
    return u === 0 ? null : u;
  }

  private sign(fileId: string, variant: FileVariant, u: number, exp: number): string {
    return crypto.createHmac('sha256', this.key).update(`${fileId}\n${variant}\n${u}\n${exp}`).digest('base64url');
  }
}
