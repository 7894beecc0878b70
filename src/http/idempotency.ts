// `Idempotency-Key` on the POSTs that create something (posts, comments, boards, chat sessions, AI models,
// predictions): a client that lost the answer sends the same request again with the same key and gets the first
// answer (status, body, Content-Type and Location) instead of a second resource. Per user, for 24 h, in Redis:
//   - the first request claims the key (SET NX, `pending`, for at most 5 min), runs, and its answer is stored just
//     before it is sent (a 5xx is not stored: the key is let go, and a retry runs again);
//   - the same key with another request (method, path or body) is a 422 `idempotency_key_reused`;
//   - the same key while the first is still running is a 409 `idempotency_key_in_flight` (retry later).
// A multipart body is compared by its length (its parts are read by the handler, after this check).
// Mounted by ApiRouter on the routes listed here, after their guards (the key belongs to the signed-in user).
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';
import { ConflictError, UnprocessableError, ValidationError } from '../errors.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location'];

type Entry = { state: 'pending'; fp: string } | { state: 'done'; fp: string; status: number; headers: Record<string, string>; body: string; base64?: boolean };

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** What makes two requests "the same": method, path and body (a multipart body by its length). */
function fingerprint(req: Request): string {
  const multipart = req.is('multipart/form-data');
  const body = multipart ? `multipart:${req.get('content-length') ?? ''}` : JSON.stringify(req.body ?? null);
  return sha256(`${req.method} ${req.baseUrl}${req.path}\n${body}`);
}

function replay(res: Response, entry: Extract<Entry, { state: 'done' }>): void {
  res.status(entry.status);
  for (const [name, value] of Object.entries(entry.headers)) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.send(entry.base64 ? Buffer.from(entry.body, 'base64') : entry.body);
}

export function idempotency(redis: Redis): RequestHandler {
  return async (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined || !req.user) return next();
    if (!KEY_PATTERN.test(key)) {
      throw ValidationError.of([{ field: IDEMPOTENCY_HEADER, in: 'headers', code: 'invalid', message: `${IDEMPOTENCY_HEADER} must be 1-255 visible ASCII characters` }]);
    }
    const id = redisKeys.idempotency(req.user.id, sha256(key));
    const fp = fingerprint(req);
    const claimed = await redis.set(id, JSON.stringify({ state: 'pending', fp } satisfies Entry), 'EX', redisTtl.idempotencyPendingSeconds, 'NX');
    if (claimed !== 'OK') {
      const raw = await redis.get(id);
      const entry = raw === null ? null : (JSON.parse(raw) as Entry);
      if (entry && entry.fp !== fp) throw new UnprocessableError('idempotency_key_reused', `This ${IDEMPOTENCY_HEADER} was used for a different request; use a new key for a new request.`);
      if (!entry || entry.state === 'pending') throw new ConflictError('idempotency_key_in_flight', `A request with this ${IDEMPOTENCY_HEADER} is still running; retry once it has finished.`);
      return replay(res, entry);
    }
    // the answer is stored before it leaves, so a retry that follows it finds it
    const send = res.send.bind(res);
    let answered = false;
    res.send = ((body?: unknown) => {
      if (answered) return send(body);
      answered = true;
      let store: Promise<unknown>;
      if (res.statusCode >= 500) store = redis.del(id);
      else {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const v = res.getHeader(name);
          if (v !== undefined) headers[name] = String(v);
        }
        const binary = Buffer.isBuffer(body);
        const text = binary ? body.toString('base64') : typeof body === 'string' ? body : JSON.stringify(body ?? null);
        store = redis.set(
          id,
          JSON.stringify({ state: 'done', fp, status: res.statusCode, headers, body: text, ...(binary ? { base64: true } : {}) } satisfies Entry),
          'EX',
          redisTtl.idempotencySeconds,
        );
      }
      void store
        .catch((err: unknown) => req.log?.warn({ err: (err as Error).message }, 'could not store the answer of an idempotent request'))
        .then(() => send(body))
        .catch((err: unknown) => req.log?.error({ err }, 'could not send the answer of an idempotent request'));
      return res;
    }) as Response['send'];
    // no answer at all (the client went away first): the key is free again
    res.on('close', () => {
      if (!answered) redis.del(id).catch(() => undefined);
    });
    next();
  };
}
