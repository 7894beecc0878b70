import { pipeline } from 'node:stream/promises';
import type { Context } from '../context.js';
import { STREAMED, type ApiRouter } from '../http/api.js';
import { OutOfRangeError } from '../errors.js';

export function registerFileRoutes(api: ApiRouter, ctx: Context): void {
  const { files } = ctx.services;
  // the Content-Type is the one sniffed from the bytes at upload, never the client's claim nor the file name
  const servedAs = `the type sniffed from its bytes at upload (its \`files[].mimeType\`: one of ${ctx.config.uploads.allowedTypes.join(', ')}; text as \`text/plain; charset=utf-8\`)`;

  api
    .route({
      method: 'get',
      path: '/files/:fileId',
      operationId: 'downloadFile',
      summary: 'Download an attachment (same access rule as its post). The original name is in Content-Disposition (RFC 6266, `filename*` per RFC 5987); single byte ranges give 206.',
      tags: ['files'],
      auth: 'optional',
      params: { type: 'object', required: ['fileId'], properties: { fileId: { type: 'string', pattern: '^[pc][1-9][0-9]{0,9}$', description: 'p<n> or c<n>, as in `files[].id`' } } },
      responses: {
        200: { description: `The file, as ${servedAs}`, contentType: '*/*', schema: { type: 'string' } },
        206: { description: `The requested byte range, as ${servedAs}`, contentType: '*/*', schema: { type: 'string' } },
        304: { description: 'Not modified (If-None-Match matched the ETag)' },
        416: { description: 'The range lies outside the file (`range_not_satisfiable`)' },
      },
    })
    .handle(async ({ viewer, params, req, res }) => {
      const file = await files.find(viewer, params.fileId);
      const etag = `"${file.sha256}"`;
      res.set({
        'Accept-Ranges': 'bytes',
        ETag: etag,
        'Last-Modified': file.createDate.toUTCString(),
        // access depends on who asks: shared caches must not keep it
        'Cache-Control': 'private, no-cache',
      });
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
      await pipeline(await files.storage.read(file.key, range ?? undefined), res);
      return STREAMED;
    });
}
