// Routes are declared once, with their JSON Schemas: the declaration types the handler's input (FromSchema),
// mounts the authentication its `auth` names, validates body, query and params with ajv, writes the handler's
// reply, and registers the operation in the OpenAPI document (security and error responses included), so the
// document cannot disagree with what is enforced. Handlers call services; services decide.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Permission } from '../access/index.js';
import { UnsupportedTypeError, ValidationError } from '../errors.js';
import { boundIntegers, compile, fieldErrors, valueErrors, type JsonSchema } from './schema.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Auth = 'none' | 'optional' | 'required';

export interface ResponseSpec {
  description: string;
  schema?: JsonSchema;
  contentType?: string;
}

export interface MultipartSpec {
  /** The part the files come in. */
  fileField: string;
  /** At most one file (default: several, `fileField` repeated). */
  single?: boolean;
  /** The text parts, when they differ from the JSON body's fields (default: the body schema). */
  form?: JsonSchema;
  /** Media type of the files, for the document (default application/octet-stream). */
  fileType?: string;
  /** The handler reads the parts itself and keeps them in memory (a dataset), instead of the router storing the files. */
  inMemory?: boolean;
}

export interface RouteSpec {
  method: Method;
  /** Express path relative to the router's base, e.g. `/boards/:boardId`. */
  path: string;
  operationId: string;
  summary: string;
  /** Longer prose for the document; access, rate limits and error codes are added to it from the route. */
  description?: string;
  tags?: string[];
  /** none: no token is read; optional: anonymous allowed when ANONYMOUS_READ is on, a sent token is checked; required: a valid access token. */
  auth?: Auth;
  /** The permission the service requires (documents who may call and the 403; the service enforces it). */
  permission?: Permission;
  /** Accepts an `Idempotency-Key` header: a retry with the same key gets the first answer (idempotency.ts). */
  idempotent?: boolean;
  body?: JsonSchema;
  /** The body may also be multipart/form-data: the body's fields as text parts plus files in `fileField`. */
  multipart?: MultipartSpec;
  query?: JsonSchema;
  params?: JsonSchema;
  responses: Record<number, ResponseSpec>;
}

/** What a guard or limiter mounted on a route means for its callers (read by the OpenAPI document). */
export interface HandlerDoc {
  /** required: a valid access token is needed (401 without); optional: a token is checked only when sent. */
  auth?: 'required' | 'optional';
  /** A rate limit by this name applies (429 with Retry-After). */
  rateLimit?: string;
}

const handlerDocs = new WeakMap<object, HandlerDoc>();

/** Records what `handler` means for callers, so that every route it is mounted on documents it. */
export function describeHandler<H extends object>(handler: H, doc: HandlerDoc): H {
  handlerDocs.set(handler, { ...handlerDocs.get(handler), ...doc });
  return handler;
}

/** The guards as the routes receive them, each handler they return described (401). */
export function documentGuards<G extends { requireAuth: object; readAuth(anonymousAllowed: boolean): object }>(guards: G): G {
  describeHandler(guards.requireAuth, { auth: 'required' });
  return {
    ...guards,
    readAuth: (anonymousAllowed: boolean) => describeHandler(guards.readAuth(anonymousAllowed), { auth: anonymousAllowed ? 'optional' : 'required' }),
  };
}

export interface RegisteredRoute extends RouteSpec {
  fullPath: string;
  /** The documented meaning of the guards and limiters mounted before the handler. */
  handlerDocs: HandlerDoc[];
}

/** Validates and coerces body, query and params; a failure is one 400 listing every offending field. */
export function validate(spec: Pick<RouteSpec, 'body' | 'query' | 'params' | 'multipart'>): RequestHandler {
  const body = spec.body && compile(spec.body, false);
  const query = spec.query && compile(spec.query, true);
  const params = spec.params && compile(spec.params, true);
  return (req, _res, next) => {
    const errors = [];
    if (params) {
      const p = { ...req.params };
      if (!params(p)) errors.push(...fieldErrors(params.errors, 'params'));
      else if (valueErrors(p, 'params').length) errors.push(...valueErrors(p, 'params'));
      else req.params = p;
    }
    if (query) {
      const q: Record<string, unknown> = { ...req.query };
      if (!query(q)) errors.push(...fieldErrors(query.errors, 'query'));
      else if (valueErrors(q, 'query').length) errors.push(...valueErrors(q, 'query'));
      // Express 5 exposes req.query as a getter: replace it with the validated, coerced copy
      else Object.defineProperty(req, 'query', { value: q, writable: true, configurable: true, enumerable: true });
    }
    // a multipart body is validated by its handler once the parts have been read (formValidator)
    if (body && !(spec.multipart && req.is('multipart/form-data'))) {
      if (!req.is('application/json')) return next(new UnsupportedTypeError());
      if (!body(req.body)) errors.push(...fieldErrors(body.errors, 'body'));
      else errors.push(...valueErrors(req.body, 'body'));
    }
    next(errors.length ? ValidationError.of(errors) : undefined);
  };
}

/** Validates the text fields of a multipart form against a route's body schema (a 400 like a JSON body's). */
export function formValidator(schema: JsonSchema): (fields: Record<string, string>) => void {
  const check = compile(schema, true);
  return (fields) => {
    if (!check(fields)) throw ValidationError.of(fieldErrors(check.errors, 'body'));
    const invalid = valueErrors(fields, 'body');
    if (invalid.length) throw ValidationError.of(invalid);
  };
}

export class ApiRegistry {
  readonly routes: RegisteredRoute[] = [];
  add(route: RegisteredRoute): void {
    if (this.routes.some((r) => r.operationId === route.operationId)) throw new Error(`duplicate operationId ${route.operationId}`);
    this.routes.push(route);
  }
}

/** A route handler or guard; a returned promise's rejection reaches the error handler (Express 5). */
export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** A file a multipart request stored (see files/upload.ts); the route layer only passes it on. */
export interface UploadedFile {
  key: string;
  storedName: string;
  originalName: string;
  size: number;
  mimeType: string;
  sha256: string;
}

/** Reads a multipart request: its text fields (validated by `validate`) and the files of `fileField`, stored. */
export type ReceiveUpload = (req: Request, opts: { fileField: string; validate: (fields: Record<string, string>) => void }) => Promise<{ fields: Record<string, string>; files: UploadedFile[] }>;

/** The TypeScript type of what a schema accepts (after ajv's defaults and, for query and params, coercion). */
type Infer<S> = [S] extends [undefined] ? undefined : S extends JSONSchema ? FromSchema<S> : never;

/** Who is asking: the verified access token (Express.User), or null for an anonymous caller. */
export type Caller<A extends Auth> = A extends 'required' ? Express.User : Express.User | null;

export interface Input<B, Q, P, A extends Auth> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  viewer: Caller<A>;
  /** The stored files of a multipart request (empty for a JSON one). */
  files: UploadedFile[];
  req: Request;
  res: Response;
}

/** What a handler answers: a status, a JSON body, a Location relative to the router's base, headers. */
export interface Reply {
  status: number;
  body?: unknown;
  location?: string;
  headers?: Record<string, string>;
}
/** What a handler returns when it wrote the response itself (a file, a stream). */
export interface Streamed {
  readonly streamed: true;
}
export const STREAMED: Streamed = Object.freeze({ streamed: true });

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, headers });
export const created = (location: string, body: unknown): Reply => ({ status: 201, location, body });
export const accepted = (body: unknown, location?: string): Reply => ({ status: 202, body, location });
export const noContent = (): Reply => ({ status: 204 });

export interface Operation<B, Q, P, A extends Auth> extends Omit<RouteSpec, 'auth' | 'body' | 'query' | 'params' | 'multipart'> {
  auth: A;
  body?: B;
  query?: Q;
  params?: P;
  multipart?: MultipartSpec;
  /** Handlers that run after authentication and validation, before the handler: rate limiters, cookie parsing (documented through describeHandler). */
  before?: Handler[];
}

export type Handle<B, Q, P, A extends Auth> = (input: Input<B, Q, P, A>) => Reply | Streamed | Promise<Reply | Streamed>;

export interface HandleOptions<B, Q, P, A extends Auth> {
  /** Runs before a multipart body's files are read (say, "may this caller post here?"), so that a refused request stores nothing. */
  beforeUpload?: (input: Omit<Input<B, Q, P, A>, 'body' | 'files'>) => Promise<unknown>;
}

type AnyOperation = Operation<unknown, unknown, unknown, Auth>;
type AnyInput = Omit<Input<unknown, unknown, unknown, Auth>, 'body' | 'query' | 'params'> & { body: unknown; query: unknown; params: unknown };
type AnyHandle = (input: AnyInput) => Reply | Streamed | Promise<Reply | Streamed>;
type AnyHandleOptions = { beforeUpload?: (input: Omit<AnyInput, 'body' | 'files'>) => Promise<unknown> };

export interface ApiRouterOptions {
  /** The authentication guards (`auth: optional | required`). */
  guards?: { requireAuth: Handler; readAuth(anonymousAllowed: boolean): Handler };
  /** ANONYMOUS_READ: whether `auth: optional` lets anonymous callers in. */
  anonymousRead?: boolean;
  /** Reads multipart bodies (`multipart` operations). */
  receiveUpload?: ReceiveUpload;
  /** Answers a retried `Idempotency-Key` (`idempotent` operations), after authentication: a key belongs to its user. */
  idempotency?: RequestHandler;
  /** Check every reply against its documented status and schema (tests: a drifting document fails them). */
  validateResponses?: boolean;
}

/** Replies that disagree with the document are a bug of the server: the message says which and how. */
class UndocumentedReplyError extends Error {}

/** An express Router whose routes are typed, authenticated, validated and documented from one declaration. */
export class ApiRouter {
  readonly router: Router = express.Router();
  private readonly responseAjv?: Ajv2020;

  constructor(
    private readonly registry: ApiRegistry,
    readonly basePath: string,
    private readonly options: ApiRouterOptions = {},
  ) {
    if (options.validateResponses) {
      this.responseAjv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
      addFormats.default(this.responseAjv);
    }
  }

  /**
   * Declares an operation; `.handle(handler)` mounts it. (Two steps, so that the schemas' types are settled before
   * the handler is checked against them.)
   */
  route<const B extends JSONSchema | undefined = undefined, const Q extends JSONSchema | undefined = undefined, const P extends JSONSchema | undefined = undefined, const A extends Auth = 'none'>(
    declared: Operation<B, Q, P, A>,
  ): { handle(handler: Handle<B, Q, P, A>, options?: HandleOptions<B, Q, P, A>): void } {
    // the one place where the declared types meet the untyped request: validate() makes them true at run time
    return { handle: (handler, options) => this.mount(declared, handler as unknown as AnyHandle, options as unknown as AnyHandleOptions) };
  }

  private mount(declared: AnyOperation, handler: AnyHandle, options: AnyHandleOptions = {}): void {
    const { before = [], multipart, ...rest } = declared;
    // validated and documented with the same bounded schemas
    const spec: RouteSpec = {
      ...rest,
      ...(multipart ? { multipart } : {}),
      body: boundIntegers(declared.body as JsonSchema | undefined),
      query: boundIntegers(declared.query as JsonSchema | undefined),
      params: boundIntegers(declared.params as JsonSchema | undefined),
    };
    const guard = this.guard(declared.auth);
    const handlers = [...before, ...(guard ? [guard] : [])];
    const docs = handlers.map((h) => handlerDocs.get(h)).filter((d): d is HandlerDoc => d !== undefined);
    const idempotency = spec.idempotent ? this.options.idempotency : undefined;
    this.registry.add({ ...spec, idempotent: idempotency !== undefined, fullPath: this.basePath + spec.path, handlerDocs: docs });
    const formCheck = multipart ? formValidator(multipart.form ?? spec.body ?? { type: 'object' }) : undefined;
    const checkReply = this.replyChecker(spec);
    const run: RequestHandler = async (req, res) => {
      const base = { query: req.query, params: req.params, viewer: req.user ?? null, req, res };
      let body: unknown = req.body;
      let files: UploadedFile[] = [];
      if (multipart && formCheck && !multipart.inMemory && req.is('multipart/form-data')) {
        if (!this.options.receiveUpload) throw new Error(`${spec.operationId}: a multipart operation needs receiveUpload`);
        await options.beforeUpload?.(base);
        const upload = await this.options.receiveUpload(req, { fileField: multipart.fileField, validate: formCheck });
        body = upload.fields;
        files = upload.files;
      }
      const reply = await handler({ ...base, body, files });
      if ('streamed' in reply) return;
      checkReply?.(reply);
      if (reply.headers) res.set(reply.headers);
      if (reply.location !== undefined) res.location(this.basePath + reply.location);
      res.status(reply.status);
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
    };
    // who is asking first (an anonymous caller learns nothing about the input), then the input, then the limiters (which may read it)
    this.router[spec.method](spec.path, ...(guard ? [guard as RequestHandler] : []), validate(spec), ...(before as RequestHandler[]), ...(idempotency ? [idempotency] : []), run);
  }

  private guard(auth: Auth): Handler | undefined {
    if (auth === 'none') return undefined;
    const { guards } = this.options;
    if (!guards) throw new Error(`a route with auth: ${auth} needs the guards`);
    return auth === 'required' ? guards.requireAuth : guards.readAuth(this.options.anonymousRead ?? false);
  }

  /** Under validateResponses: a reply's status must be documented, and its body must match the documented schema. */
  private replyChecker(spec: RouteSpec): ((reply: Reply) => void) | undefined {
    const ajv = this.responseAjv;
    if (!ajv) return undefined;
    const validators = new Map<number, ValidateFunction | null>();
    for (const [status, r] of Object.entries(spec.responses)) validators.set(Number(status), r.schema && !r.contentType ? ajv.compile(r.schema) : null);
    return (reply) => {
      if (!validators.has(reply.status)) throw new UndocumentedReplyError(`${spec.operationId} answered ${reply.status}, which its declaration does not document`);
      const check = validators.get(reply.status);
      // (the reply as a client reads it: dates become strings)
      if (check && !check(JSON.parse(JSON.stringify(reply.body ?? null)))) {
        throw new UndocumentedReplyError(`${spec.operationId} answered ${reply.status} with a body its documented schema refuses: ${ajv.errorsText(check.errors)}`);
      }
    };
  }

  /** A route declared with express handlers of its own (operations that are not JSON in, JSON out). */
  raw(declared: RouteSpec, ...handlers: Handler[]): void {
    const spec: RouteSpec = { ...declared, body: boundIntegers(declared.body), query: boundIntegers(declared.query), params: boundIntegers(declared.params) };
    const docs = handlers.map((h) => handlerDocs.get(h)).filter((d): d is HandlerDoc => d !== undefined);
    this.registry.add({ ...spec, fullPath: this.basePath + spec.path, handlerDocs: docs });
    this.router[spec.method](spec.path, validate(spec), ...(handlers as RequestHandler[]));
  }
}
