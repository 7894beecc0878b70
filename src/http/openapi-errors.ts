// The error responses of each operation in the OpenAPI document, derived from its route declaration so they
// cannot drift from it: validated input → 400, a JSON body → 413 and 415, an authentication guard → 401, a
// permission the service requires (held by role) → 403, a path id → 404 (with the resource's own code), a rate limiter → 429. What only a
// service decides (a taken name, a wrong password, "only the author may") is listed per operation below.
import { rolesWith } from '../access/index.js';
import { roles } from '../users/schemas.js';
import type { HandlerDoc, RegisteredRoute } from './api.js';
import { problemTitles } from './errors.js';

type Codes = Partial<Record<number, string[]>>;

/** The `detail` of each code's example (the service's own wording). */
const details: Record<string, string> = {
  validation_failed: 'The request is not valid.',
  malformed_json: 'The request body is not valid JSON.',
  malformed_multipart: 'The multipart body cannot be read.',
  invalid_form: 'The form cannot be read.',
  empty_file: 'An attached file is empty.',
  upload_aborted: 'The upload was interrupted.',
  too_many_fields: 'The form has too many fields.',
  invalid_current_password: 'The current password is required to change the email or the password, and it did not match.',
  invalid_reset_token: 'The reset token is invalid, expired or already used.',
  unauthorized: 'An access token is required (Authorization: Bearer …).',
  invalid_token: 'The access token is invalid, expired or revoked.',
  invalid_credentials: 'The name/email or the password is wrong.',
  refresh_missing: 'No refresh token cookie was sent.',
  refresh_invalid: 'The refresh token is not valid; log in again.',
  refresh_expired: 'The session has expired; log in again.',
  refresh_reuse_detected: 'This refresh token was already used; every session of this login was ended.',
  forbidden: 'You may not do this.',
  user_banned: 'This account is banned.',
  not_author: 'Only the author or a moderator may change this.',
  not_creator: 'Only the creator of the session or an admin may do this.',
  cannot_ban_self: 'You cannot ban yourself.',
  not_found: 'Not found.',
  board_not_found: 'No such board.',
  post_not_found: 'No such post.',
  comment_not_found: 'No such comment.',
  file_not_found: 'No such file.',
  ai_not_found: 'No such AI model.',
  ailog_not_found: 'No such AI log.',
  user_not_found: 'No such user.',
  chat_session_not_found: 'No such chat session.',
  chat_member_not_found: 'This user is not a member of the session.',
  chat_message_not_found: 'No such message.',
  already_exists: 'A record with the same unique value already exists.',
  ai_training_in_progress: 'This model is already queued for training or training.',
  ai_not_trained: 'The model has no trained artifact yet: it cannot be made available.',
  ai_not_available: 'This model is not available for predictions (not trained yet, or disabled).',
  ailog_running: 'This prediction is running; try again once it has finished.',
  chat_session_closed: 'The session is closed (read-only).',
  payload_too_large: 'The request body is too large.',
  file_too_large: 'Each file may have at most UPLOAD_MAX_FILE_BYTES bytes.',
  too_many_files: 'At most UPLOAD_MAX_FILES files may be attached.',
  upload_too_large: 'The attachments together may not exceed UPLOAD_MAX_TOTAL_BYTES bytes.',
  field_too_large: 'The field content is too long.',
  too_many_parts: 'The form has too many parts.',
  dataset_too_large: 'The dataset is larger than AI_DATASET_MAX_BYTES bytes.',
  unsupported_media_type: 'The request body must be application/json.',
  file_type_not_allowed: 'Files of type application/x-msdownload are not accepted (allowed: UPLOAD_ALLOWED_TYPES).',
  range_not_satisfiable: 'The file has 1024 bytes.',
  rate_limited: 'Too many requests; try again later.',
  not_ready: 'A dependency is not reachable.',
  idempotency_key_in_flight: 'A request with this Idempotency-Key is still running; retry once it has finished.',
  idempotency_key_reused: 'This Idempotency-Key was used for a different request; use a new key for a new request.',
  queue_unavailable: 'The job queue is not reachable; try again shortly.',
  server_busy: 'The server is busy checking passwords; try again in a moment.',
  internal_error: 'An unexpected error occurred.',
  dependency_unavailable: 'A backing service is not reachable; try again shortly.',
  overloaded: 'The server is overloaded; try again shortly.',
};

/** The 404 code of a path id, by the collection it follows in the path (`/boards/:boardId` → board_not_found). */
const notFoundCodes: Record<string, string> = {
  boards: 'board_not_found',
  posts: 'post_not_found',
  comments: 'comment_not_found',
  files: 'file_not_found',
  ais: 'ai_not_found',
  ailogs: 'ailog_not_found',
  users: 'not_found',
  'chat-sessions': 'chat_session_not_found',
  members: 'chat_member_not_found',
  messages: 'chat_message_not_found',
};

const attachments: Codes = {
  400: ['invalid_form', 'empty_file', 'upload_aborted'],
  413: ['field_too_large', 'too_many_fields', 'too_many_parts'],
};

/** Outcomes decided by services, per operation (a 404 listed here replaces the one derived from the path). */
const serviceCodes: Record<string, Codes> = {
  login: { 401: ['invalid_credentials'], 403: ['user_banned'], 429: ['rate_limited'], 503: ['server_busy'] },
  refresh: { 401: ['refresh_missing', 'refresh_invalid', 'refresh_expired', 'refresh_reuse_detected'] },
  confirmPasswordReset: { 400: ['invalid_reset_token'], 503: ['server_busy'] },
  signUp: { 409: ['already_exists'], 503: ['server_busy'] },
  updateMe: { 400: ['invalid_current_password'], 409: ['already_exists'], 503: ['server_busy'] },
  deleteMe: { 400: ['invalid_current_password'], 503: ['server_busy'] },
  banUser: { 403: ['cannot_ban_self'] },
  putUserBan: { 403: ['cannot_ban_self'] },
  updateUser: { 409: ['already_exists'] },
  createBoard: { 403: ['forbidden'], 409: ['already_exists'] },
  updateBoard: { 403: ['forbidden'], 409: ['already_exists'] },
  deleteBoard: { 403: ['forbidden'] },
  getBoardGrants: { 403: ['forbidden'] },
  setBoardGrants: { 403: ['forbidden'] },
  createPost: attachments,
  updatePost: { 403: ['not_author', 'forbidden'] },
  deletePost: { 403: ['not_author'] },
  createComment: attachments,
  updateComment: { 403: ['not_author', 'forbidden'] },
  deleteComment: { 403: ['not_author'] },
  createAi: { 400: ['too_many_fields'], 403: ['forbidden'], 409: ['already_exists'], 413: ['dataset_too_large'], 503: ['queue_unavailable'] },
  updateAi: { 403: ['forbidden'], 409: ['already_exists', 'ai_not_trained'] },
  deleteAi: { 403: ['forbidden'] },
  trainAi: { 403: ['forbidden'], 409: ['ai_training_in_progress'], 503: ['queue_unavailable'] },
  predict: { 409: ['ai_not_available'], 503: ['queue_unavailable'] },
  listAiLogs: { 403: ['forbidden'] },
  updateAiLog: { 409: ['ailog_running', 'ai_not_available'], 503: ['queue_unavailable'] },
  updateChatSession: { 403: ['not_creator', 'forbidden'] },
  deleteChatSession: { 403: ['not_creator'] },
  addChatMember: { 403: ['not_creator'], 404: ['chat_session_not_found', 'user_not_found'] },
  removeChatMember: { 403: ['not_creator'] },
  deleteChatMessage: { 403: ['not_author'], 409: ['chat_session_closed'] },
  search: { 404: ['board_not_found'] },
};

/** Operation ids the table above names (test/http/openapi.test.ts checks that each one exists). */
export const documentedOperationIds = Object.keys(serviceCodes);

export interface Access {
  auth?: 'required' | 'optional';
  roles?: readonly string[];
  rateLimits: string[];
}

export function accessOf(route: RegisteredRoute): Access {
  const docs: HandlerDoc[] = route.handlerDocs;
  const auth = docs.some((d) => d.auth === 'required')
    ? 'required'
    : docs.some((d) => d.auth === 'optional')
      ? 'optional'
      : route.auth === 'required' || route.auth === 'optional'
        ? route.auth
        : undefined;
  return { auth, roles: route.permission && rolesWith(route.permission, roles), rateLimits: docs.flatMap((d) => (d.rateLimit ? [d.rateLimit] : [])) };
}

/** Every error status the operation can answer, with its codes. */
export function errorCodes(route: RegisteredRoute): Map<number, string[]> {
  const out = new Map<number, Set<string>>();
  const add = (status: number, ...codes: string[]) => {
    const set = out.get(status) ?? new Set<string>();
    for (const c of codes) set.add(c);
    out.set(status, set);
  };
  const access = accessOf(route);
  if (route.body || route.query || route.params) add(400, 'validation_failed');
  if (route.body) {
    add(400, 'malformed_json');
    add(413, 'payload_too_large');
    add(415, 'unsupported_media_type');
  }
  if (route.multipart) add(400, 'malformed_multipart');
  if (access.auth === 'required') add(401, 'unauthorized', 'invalid_token');
  if (access.auth === 'optional') add(401, 'invalid_token');
  if (access.roles) add(403, 'forbidden');
  const params = Object.keys((route.params as { properties?: object } | undefined)?.properties ?? {});
  const segments = route.fullPath.split('/');
  for (const name of params) {
    const collection = segments[segments.indexOf(`:${name}`) - 1];
    add(404, notFoundCodes[collection] ?? 'not_found');
  }
  if (access.rateLimits.length) add(429, 'rate_limited');
  if (route.idempotent) {
    add(409, 'idempotency_key_in_flight');
    add(422, 'idempotency_key_reused');
  }
  // the route's own error responses, and the codes they name (in backticks)
  for (const [status, r] of Object.entries(route.responses)) {
    if (Number(status) >= 400) add(Number(status), ...[...r.description.matchAll(/`([a-z][a-z0-9_]*)`/g)].map((m) => m[1]).filter((c) => c in details));
  }
  for (const [status, codes] of Object.entries(serviceCodes[route.operationId] ?? {})) {
    if (Number(status) === 404) out.delete(404);
    add(Number(status), ...codes!);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a - b).map(([s, c]) => [s, [...c]]));
}

const problemRef = { $ref: '#/components/schemas/Problem' };

/** One problem document per (status, code), shared by every operation through components.examples. */
function example(status: number, code: string) {
  const value: Record<string, unknown> = {
    type: `urn:agora:problem:${code}`,
    title: problemTitles[status] ?? 'Error',
    status,
    detail: details[code] ?? problemTitles[status] ?? code,
    code,
    requestId: '5f0c6f9e-8a34-4b4e-9d0a-2f6f1b7c9e11',
  };
  if (code === 'validation_failed') value.errors = [{ field: 'name', in: 'body', code: 'required', message: 'name is required' }];
  if (code === 'rate_limited') value.detail = `${details.rate_limited} (see Retry-After)`;
  return { summary: `${code} (${status})`, value };
}

/** A reference to the shared example of (status, code), added to `shared` on first use. */
function exampleRef(status: number, code: string, shared: Record<string, unknown>) {
  const name = `${code}_${status}`;
  shared[name] ??= example(status, code);
  return { $ref: `#/components/examples/${name}` };
}

/** The operation's error responses: one per status, its codes in the description and as named examples. */
export function errorResponses(route: RegisteredRoute, sharedExamples: Record<string, unknown>): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, codes] of errorCodes(route)) {
    const declared = route.responses[status]?.description;
    const title = problemTitles[status] ?? 'Error';
    const list = codes.map((c) => `\`${c}\``).join(', ');
    responses[status] = {
      description: [codes.length ? `${title}: ${list}` : title, declared].filter(Boolean).join('. '),
      ...(status === 429 ? { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } } : {}),
      content: {
        'application/problem+json': {
          schema: problemRef,
          ...(codes.length ? { examples: Object.fromEntries(codes.map((c) => [c, exampleRef(status, c, sharedExamples)])) } : {}),
        },
      },
    };
  }
  responses.default = {
    description:
      'Unexpected: `internal_error` (500), a backing service out of reach: `dependency_unavailable` (503), or the server too busy to answer in time: `overloaded` (503, with Retry-After; answered before the request is authenticated or its body read)',
    content: {
      'application/problem+json': {
        schema: problemRef,
        examples: {
          internal_error: exampleRef(500, 'internal_error', sharedExamples),
          dependency_unavailable: exampleRef(503, 'dependency_unavailable', sharedExamples),
          overloaded: exampleRef(503, 'overloaded', sharedExamples),
        },
      },
    },
  };
  return responses;
}

/** The operation's description: the route's own prose, who may call it, its rate limits and its error codes. */
export function operationDescription(route: RegisteredRoute): string {
  const access = accessOf(route);
  const lines: string[] = [route.description ?? `${route.summary}.`];
  if (!access.auth) lines.push('**Access:** no token needed.');
  else if (access.auth === 'optional') lines.push('**Access:** a bearer access token is optional; without one the request is anonymous (`ANONYMOUS_READ=true`).');
  else lines.push(`**Access:** a bearer access token${access.roles ? ` with the role ${access.roles.join(' or ')}` : ''}.`);
  if (access.rateLimits.length) lines.push(`**Rate limit:** ${access.rateLimits.map((n) => `\`${n}\``).join(', ')}; over it, 429 \`rate_limited\` with Retry-After.`);
  const codes = [...errorCodes(route)].map(([status, c]) => `- ${status}: ${c.map((x) => `\`${x}\``).join(', ')}`);
  lines.push(`**Errors** (application/problem+json; branch on \`code\`):\n${codes.join('\n')}`);
  return lines.join('\n\n');
}
