// Request bodies are accepted uncompressed only, on every path (API, admin panel, uploads): a body with a
// Content-Encoding other than identity is refused with 415 before any parser reads it.
import type { NextFunction, Request, Response } from 'express';
import { UnsupportedTypeError } from '../errors.js';

const hasBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

export function identityBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (!encoding || encoding === 'identity' || !hasBody(req)) return next();
  next(
    new UnsupportedTypeError('unsupported_content_encoding', 'Request bodies must not be compressed (Content-Encoding: identity).', {
      errors: [{ field: 'Content-Encoding', in: 'headers', code: 'unsupported_content_encoding', message: `Content-Encoding ${encoding} is not accepted` }],
    }),
  );
}
