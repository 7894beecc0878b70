// The files of a post or comment as the API shows them, and the errors an upload may answer.
export const filesSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'public id: p<n> (post file) or c<n> (comment file)' },
      originalName: { type: 'string' },
      size: { type: 'integer' },
      mimeType: { type: 'string', description: 'sniffed from the bytes, not taken from the client' },
      url: {
        type: 'string',
        description:
          'download URL signed for the reader it was shown to: works without an Authorization header (e.g. in an `<img>`) for `FILE_URL_TTL_SECONDS`, while that reader may read the file (GET /api/v1/files/{id}/signed)',
      },
      thumbnailUrl: {
        type: 'string',
        description: 'images only (sniffed PNG, JPEG, GIF, WebP; never SVG), once the worker made it: a WebP thumbnail, longest side 320 px, signed like `url` (GET /api/v1/files/{id}/thumbnail)',
      },
    },
  },
};
export const uploadErrors = {
  413: { description: 'A file, the number of files or their total is over the limit (`file_too_large`, `too_many_files`, `upload_too_large`)' },
  415: { description: 'A file type outside the allow-list (`file_type_not_allowed`), or a body neither JSON nor multipart' },
  507: { description: 'The server cannot store files now: its disk is full or read-only (`insufficient_storage`); nothing was stored, retry later' },
};
