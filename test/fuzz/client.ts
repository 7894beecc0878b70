// The fuzzer's HTTP side: requests sent byte for byte as built (raw paths, any headers and bodies) over a
// keep-alive socket, and the checks every answer must pass: no 5xx, every error a problem+json document with a
// `code`, every 2xx documented and its JSON body valid against the documented schema.
import http from 'node:http';
import zlib from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Schema } from './inputs.js';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends the request as is; a streaming (Server-Sent Events) answer is cut after its headers. */
export function send(origin: string, r: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, method: r.method, path: r.path, headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) } });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        clearTimeout(timer);
        res.destroy();
        return resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.alloc(0) });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      // an answer sent before the whole body was read is still an answer
      if (!answered) reject(e);
    });
    req.end(r.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

export const gzip = (b: Buffer) => zlib.gzipSync(b);

export interface Operation {
  id: string;
  method: string;
  template: string;
  secured: boolean;
  pathParams: [string, Schema][];
  queryParams: [string, Schema, boolean][];
  body?: { required: boolean; content: Record<string, Schema> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        security?: unknown[];
        parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
        requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
        responses: Operation['responses'];
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

export function operationsOf(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      ops.push({
        id: op.operationId,
        method: method.toUpperCase(),
        template,
        secured: Boolean(op.security?.length),
        pathParams: params.filter((p) => p.in === 'path').map((p) => [p.name, p.schema]),
        queryParams: params.filter((p) => p.in === 'query').map((p) => [p.name, p.schema, Boolean(p.required)]),
        ...(op.requestBody ? { body: { required: Boolean(op.requestBody.required), content: Object.fromEntries(Object.entries(op.requestBody.content).map(([t, c]) => [t, c.schema])) } } : {}),
        responses: op.responses,
      });
    }
  }
  return ops;
}

/** Judges answers against the document; returns what is wrong with one, or null. */
export function makeJudge(doc: Doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  const problem = ajv.compile(doc.components.schemas.Problem);
  const cache = new Map<string, ValidateFunction | null>();
  const validatorFor = (op: Operation, status: number): ValidateFunction | null | undefined => {
    const key = `${op.id} ${status}`;
    if (!cache.has(key)) {
      const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
      cache.set(key, schema ? ajv.compile(schema) : null);
    }
    return cache.get(key);
  };

  return (op: Operation, res: RawResponse): string | null => {
    const type = String(res.headers['content-type'] ?? '');
    if (res.status >= 500) return `server error ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
    if (res.status >= 400) {
      if (!type.startsWith('application/problem+json')) return `error ${res.status} is ${type || 'without a type'}, not problem+json`;
      let body: unknown;
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        return `error ${res.status}: problem+json that is not JSON`;
      }
      if (!problem(body)) return `error ${res.status}: not a problem document (${ajv.errorsText(problem.errors)})`;
      return null;
    }
    if (res.status < 200 || res.status >= 300) return null;
    if (!(String(res.status) in op.responses)) return `${res.status} is not a documented answer`;
    const validate = validatorFor(op, res.status);
    if (!validate) return null;
    if (!type.startsWith('application/json')) return `${res.status} documented as JSON but sent as ${type}`;
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      return `${res.status}: body is not JSON`;
    }
    return validate(body) ? null : `${res.status}: body does not match its documented schema (${ajv.errorsText(validate.errors)})`;
  };
}
