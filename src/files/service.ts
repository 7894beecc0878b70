// Attachments of posts and comments: their public shape, the rows written with a post or comment, the keys
// to delete after one is removed, and downloads after the same read rule as the post they belong to.
// A file's public id names its table: `p<id>` (post file) or `c<id>` (comment file).
import type { Prisma } from '@prisma/client';
import { access, type Viewer } from '../access/index.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Db } from '../platform/prisma.js';
import type { Storage } from '../platform/storage.js';
import type { FileUrls, FileVariant, SignedQuery } from './signed-urls.js';
import type { ReceivedFile } from './upload.js';

export type { FileUrls };
export type { Thumbnails, ThumbnailJobData } from './thumbnails.js';

export const fileSelect = { id: true, originalName: true, size: true, mimeType: true, thumbnailKey: true } as const;

export interface PublicFile {
  id: string;
  originalName: string;
  size: number;
  mimeType: string;
  /** Signed for the viewer it was shown to: works without an Authorization header until it expires. */
  url: string;
  /** Images only, once the worker made it: a WebP of at most 320 px, signed like `url`. */
  thumbnailUrl?: string;
}

type FileRow = { id: number; originalName: string; size: number; mimeType: string; thumbnailKey: string | null };

/** The files as `viewer` is shown them, each with a URL signed for that viewer. */
export function publicFiles(kind: 'p' | 'c', rows: FileRow[], urls: FileUrls, viewer: Viewer | null): PublicFile[] {
  return rows.map((f) => {
    const id = `${kind}${f.id}`;
    return {
      id,
      originalName: f.originalName,
      size: f.size,
      mimeType: f.mimeType,
      url: urls.url(id, 'file', viewer),
      ...(f.thumbnailKey ? { thumbnailUrl: urls.url(id, 'thumbnail', viewer) } : {}),
    };
  });
}

/** The rows of received files, for a nested create inside the post's or comment's own transaction. */
export function fileRows(files: ReceivedFile[]) {
  return files.map((f) => ({ storedName: f.storedName, originalName: f.originalName, path: f.key, size: f.size, mimeType: f.mimeType, sha256: f.sha256 }));
}

type Tx = Prisma.TransactionClient;

/** The storage keys of files: each file and its thumbnail, if it has one. */
export const storedKeys = (files: { path: string; thumbnailKey: string | null }[]): string[] => files.flatMap((f) => (f.thumbnailKey ? [f.path, f.thumbnailKey] : [f.path]));

/** Storage keys of every file of a post and of its comments, thumbnails included (read inside the deleting transaction). */
export async function postFileKeys(tx: Tx, where: Prisma.PostWhereInput): Promise<string[]> {
  const select = { path: true, thumbnailKey: true } as const;
  const [own, ofComments] = await Promise.all([tx.postFile.findMany({ where: { post: where }, select }), tx.commentFile.findMany({ where: { comment: { post: where } }, select })]);
  return storedKeys([...own, ...ofComments]);
}

export interface FileDownload {
  originalName: string;
  mimeType: string;
  size: number;
  sha256: string;
  key: string;
  createDate: Date;
  /** The thumbnail's storage key, once made. */
  thumbnailKey: string | null;
}

/** The posts' read rule, as files need it (the posts service provides it; files never import posts). */
export interface PostReadRule {
  requirePost(viewer: Viewer | null, postId: number): Promise<unknown>;
}

export class FilesService {
  constructor(
    private readonly prisma: Db,
    private readonly posts: PostReadRule,
    readonly storage: Storage,
    private readonly urls: FileUrls,
  ) {}

  /**
   * A file through a signed URL: the signature and expiry first (403 `file_url_invalid`, `file_url_expired`),
   * then the account it was issued to as it is now (403 `file_url_revoked` once banned or closed), then the
   * same read rule as with a token, for that account's current role and grants (404 once they lost access).
   */
  async findSigned(fileId: string, variant: FileVariant, q: SignedQuery): Promise<FileDownload> {
    const userId = this.urls.verify(fileId, variant, q);
    let viewer: Viewer | null = null;
    if (userId !== null) {
      const user = await this.prisma.user.findUnique({ where: { id: userId }, select: { id: true, role: true, isBanned: true, deletedAt: true } });
      if (!user || user.isBanned || user.deletedAt) throw new ForbiddenError('file_url_revoked', 'This file link no longer works: the account it was issued to cannot read it.');
      viewer = { id: user.id, role: user.role };
    }
    const file = await this.find(viewer, fileId);
    if (variant === 'file') return file;
    // a thumbnail is signed only once it exists; one gone since (its file replaced) is as absent as the file
    if (!file.thumbnailKey) throw new NotFoundError('file_not_found', 'No such file.');
    const base = file.originalName.replace(/\.[^.]*$/, '') || 'thumbnail';
    return { ...file, key: file.thumbnailKey, originalName: `${base}.webp`, mimeType: 'image/webp', sha256: `${file.sha256}-thumbnail` };
  }

  /** A file the viewer may read: its post (and comment) pass the same rule as reading them directly. */
  async find(viewer: Viewer | null, fileId: string): Promise<FileDownload> {
    const m = /^([pc])([1-9][0-9]{0,9})$/.exec(fileId);
    const notFound = () => new NotFoundError('file_not_found', 'No such file.');
    // a file of a post the viewer may not read is as absent as a missing one
    const readable = (postId: number) =>
      this.posts.requirePost(viewer, postId).catch((e: unknown) => {
        throw e instanceof NotFoundError ? notFound() : e;
      });
    if (!m) throw notFound();
    const id = Number(m[2]);
    const select = { originalName: true, mimeType: true, size: true, sha256: true, path: true, createDate: true, thumbnailKey: true } as const;
    let file: FileDownload & { path: string };
    if (m[1] === 'p') {
      const row = await this.prisma.postFile.findUnique({ where: { id }, select: { ...select, postId: true } });
      if (!row) throw notFound();
      await readable(row.postId);
      file = { ...row, key: row.path };
    } else {
      const row = await this.prisma.commentFile.findUnique({ where: { id }, select: { ...select, comment: { select: { postId: true, isVisible: true } } } });
      if (!row) throw notFound();
      await readable(row.comment.postId);
      access.require(viewer, 'comment.read', row.comment, notFound);
      file = { ...row, key: row.path };
    }
    return { originalName: file.originalName, mimeType: file.mimeType, size: file.size, sha256: file.sha256, key: file.key, createDate: file.createDate, thumbnailKey: file.thumbnailKey };
  }
}
