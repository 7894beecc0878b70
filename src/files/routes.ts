import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Context } from '../context.js';
import { STREAMED, type ApiRouter } from '../http/api.js';
import { OutOfRangeError } from '../errors.js';
import type { FileDownload } from './service.js';
import type { Storage } from '../platform/storage.js';

const fileIdParams = {
  type: 'object',
  required: ['fileId'],
  properties: { fileId: { type: 'string', pattern: '^[pc][1-9][0-9]{0,9}$', description: 'p<n> or c<n>, as in `files[].id`' } },
} as const;

/** The query of a signed URL, exactly as `files[].url` carries it. */
const signedQuery = {
  type: 'object',
  required: ['exp', 'u', 'sig'],
  properties: {
    exp: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'expiry, in seconds since the epoch' },
    u: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'the account the URL was issued to (0: an anonymous reader)' },
    sig: { type: 'string', minLength: 1, maxLength: 128, description: 'HMAC-SHA256 (base64url) of the file, exp and u' },
  },
} as const;

const signedRefusals = {
  403: {
    description:
      'The link is refused: `file_url_invalid` (the signature does not match: a part was changed), `file_url_expired` (read the post again for a new link), `file_url_revoked` (the account it was issued to is banned or closed)',
  },
  404: { description: 'No such file, or the account it was issued to can no longer read it (revoked grant, hidden board or post, deleted post): `file_not_found`' },
};

/**
 * Writes a stored file: ETag and Last-Modified (304 when fresh), single byte ranges (206, 416), the original
 * name in Content-Disposition. `crossOrigin`: a signed URL may be embedded by a page of another origin.
 */
async function serve(storage: Storage, file: FileDownload, req: Request, res: Response, opts: { crossOrigin: boolean }) {
  const etag = `"${file.sha256}"`;
  res.set({
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': file.createDate.toUTCString(),
    // access depends on who asks: shared caches must not keep it
    'Cache-Control': 'private, no-cache',
  });
  // the signature is the credential: an <img> of the members' app on its own origin may load it
  if (opts.crossOrigin) res.set('Cross-Origin-Resource-Policy', 'cross-origin');
  if (req.fresh) {
    res.status(304).end();
    return STREAMED;
  }
  const ifRange = req.get('If-Range');
  const ranges = ifRange === undefined || ifRange === etag ? req.range(file.size, { combine: true }) : undefined;
  if (ranges === -1) {
    res.set('Content-Range', `bytes */${file.size}`);
    throw new OutOfRangeError('range_not_satisfiable', `The file has ${file.size} bytes.`);
  }
  // Content-Disposition: attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>
  res.attachment(file.originalName);
  res.set('Content-Type', file.mimeType === 'text/plain' ? 'text/plain; charset=utf-8' : file.mimeType);
  // a single range is served as 206; several (rare) or a malformed header get the whole file
  const range = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0] : null;
  if (range) {
    res.status(206).set({ 'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`, 'Content-Length': String(range.end - range.start + 1) });
  } else {
    res.status(200).set('Content-Length', String(file.size));
  }
  if (req.method === 'HEAD') {
    res.end();
    return STREAMED;
  }
  await pipeline(await storage.read(file.key, range ?? undefined), res);
  return STREAMED;
}

export function registerFileRoutes(api: ApiRouter, ctx: Context): void {
  const { files } = ctx.services;
  // the Content-Type is the one sniffed from the bytes at upload, never the client's claim nor the file name
  const servedAs = `the type sniffed from its bytes at upload (its \`files[].mimeType\`: one of ${ctx.config.uploads.allowedTypes.join(', ')}; text as \`text/plain; charset=utf-8\`)`;
  const fileResponses = {
    200: { description: `The file, as ${servedAs}`, contentType: '*/*', schema: { type: 'string' } },
    206: { description: `The requested byte range, as ${servedAs}`, contentType: '*/*', schema: { type: 'string' } },
    304: { description: 'Not modified (If-None-Match matched the ETag)' },
    416: { description: 'The range lies outside the file (`range_not_satisfiable`)' },
  };

  api
    .route({
      method: 'get',
      path: '/files/:fileId',
      operationId: 'downloadFile',
      summary: 'Download an attachment (same access rule as its post). The original name is in Content-Disposition (RFC 6266, `filename*` per RFC 5987); single byte ranges give 206.',
      tags: ['files'],
      auth: 'optional',
      params: fileIdParams,
      responses: fileResponses,
    })
    .handle(async ({ viewer, params, req, res }) => serve(files.storage, await files.find(viewer, params.fileId), req, res, { crossOrigin: false }));

  api
    .route({
      method: 'get',
      path: '/files/:fileId/signed',
      operationId: 'downloadSignedFile',
      summary: 'An attachment through its signed URL (`files[].url`), without an Authorization header, e.g. in an `<img>`',
      description:
        'Posts and comments give each file a URL signed for the reader they were shown to, valid for `FILE_URL_TTL_SECONDS` (1 hour by default). It works only while that reader may still read the file: the access rule is applied again, to the account as it is now. Otherwise as `downloadFile`.',
      tags: ['files'],
      auth: 'none',
      params: fileIdParams,
      query: signedQuery,
      responses: { ...fileResponses, ...signedRefusals },
    })
    .handle(async ({ params, query, req, res }) => serve(files.storage, await files.findSigned(params.fileId, 'file', query), req, res, { crossOrigin: true }));

  api
    .route({
      method: 'get',
      path: '/files/:fileId/thumbnail',
      operationId: 'downloadThumbnail',
      summary: 'The thumbnail of an image attachment through its signed URL (`files[].thumbnailUrl`): WebP, longest side 320 px',
      description:
        'Image attachments (PNG, JPEG, GIF, WebP, as sniffed from their bytes; never SVG or other files) get a thumbnail made once by the worker; `thumbnailUrl` appears on the file once it is ready. Signed and refused exactly like `downloadSignedFile`.',
      tags: ['files'],
      auth: 'none',
      params: fileIdParams,
      query: signedQuery,
      responses: {
        200: { description: 'The thumbnail (image/webp)', contentType: 'image/webp', schema: { type: 'string' } },
        304: { description: 'Not modified (If-None-Match matched the ETag)' },
        ...signedRefusals,
      },
    })
    .handle(async ({ params, query, req, res }) => {
      const thumb = await files.findSigned(params.fileId, 'thumbnail', query);
      res.set({ ETag: `"${thumb.sha256}"`, 'Last-Modified': thumb.createDate.toUTCString(), 'Cache-Control': 'private, no-cache', 'Cross-Origin-Resource-Policy': 'cross-origin' });
      if (req.fresh) {
        res.status(304).end();
        return STREAMED;
      }
      // a few kilobytes: read whole, its length is the Content-Length
      const chunks: Buffer[] = [];
      for await (const c of await files.storage.read(thumb.key)) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      res.status(200).set({ 'Content-Type': 'image/webp', 'Content-Length': String(body.length) });
      res.attachment(thumb.originalName);
      res.end(req.method === 'HEAD' ? undefined : body);
      return STREAMED;
    });
}
