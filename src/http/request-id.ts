import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/** pino-http's genReqId: keep a sane incoming X-Request-Id, otherwise make one; echo it on the response. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && ACCEPTED.test(incoming) ? incoming : crypto.randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Who is asking, for audit records and sessions. */
export function clientMeta(req: { ip?: string; id?: unknown; get(name: string): string | undefined }) {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, requestId: typeof req.id === 'string' ? req.id : null };
}
