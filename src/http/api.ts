// Routes are declared once, with their JSON Schemas: the declaration mounts the handler behind ajv validation
// and registers the operation in the OpenAPI document. Routes parse and authorize; services decide.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Permission } from '../access/index.js';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { idempotentRoutes } from './idempotency.js';
import { boundIntegers, compile, fieldErrors, valueErrors, type JsonSchema } from './schema.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

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
  /** Needs an access token (documents the bearer requirement; the guard itself is a handler). */
  auth?: boolean;
  /** The permission the service requires (documents who may call and the 403; the service enforces it). */
  permission?: Permission;
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
  /** Accepts an `Idempotency-Key` header (idempotency.ts). */
  idempotent?: boolean;
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
      const q = { ...(req.query as Record<string, unknown>) };
      if (!query(q)) errors.push(...fieldErrors(query.errors, 'query'));
      else if (valueErrors(q, 'query').length) errors.push(...valueErrors(q, 'query'));
      // Express 5 exposes req.query as a getter: replace it with the validated, coerced copy
      else Object.defineProperty(req, 'query', { value: q, writable: true, configurable: true, enumerable: true });
    }
    // a multipart body is validated by its handler once the parts have been read (formValidator)
    if (body && !(spec.multipart && req.is('multipart/form-data'))) {
      if (!req.is('application/json')) return next(new UnsupportedMediaTypeError());
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

/** An express Router whose routes are validated and documented. */
export class ApiRouter {
  readonly router: Router = express.Router();

  constructor(
    private readonly registry: ApiRegistry,
    readonly basePath: string,
    /** Mounted on the routes listed in idempotency.ts, between their guards and their handler. */
    private readonly idempotency?: RequestHandler,
  ) {}

  route(declared: RouteSpec, ...handlers: Handler[]): void {
    // validated and documented with the same bounded schemas
    const spec: RouteSpec = { ...declared, body: boundIntegers(declared.body), query: boundIntegers(declared.query), params: boundIntegers(declared.params) };
    const docs = handlers.map((h) => handlerDocs.get(h)).filter((d): d is HandlerDoc => d !== undefined);
    const idempotent = this.idempotency !== undefined && idempotentRoutes.has(`${spec.method} ${spec.path}`);
    this.registry.add({ ...spec, fullPath: this.basePath + spec.path, handlerDocs: docs, ...(idempotent ? { idempotent } : {}) });
    const mounted = handlers as RequestHandler[];
    // the guards run first: the key belongs to the signed-in user
    if (idempotent) mounted.splice(mounted.length - 1, 0, this.idempotency);
    this.router[spec.method](spec.path, validate(spec), ...mounted);
  }
}
