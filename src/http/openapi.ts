// The OpenAPI 3.1 document, built from the registered routes and their ajv schemas, and Swagger UI
// served from the swagger-ui-dist package (no CDN: /docs works offline).
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';
import type { ApiRegistry, RegisteredRoute } from './api.js';
import { accessOf, errorResponses, operationDescription } from './openapi-errors.js';
import { operationExamples } from './openapi-examples.js';
import type { JsonSchema } from './schema.js';

export const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable; clients branch on it, not on `detail`.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', examples: ['urn:agora:problem:validation_failed'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'code', 'message'],
        properties: {
          field: { type: 'string' },
          in: { enum: ['body', 'query', 'params', 'headers'] },
          code: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
};

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(route: RegisteredRoute) {
  const out: unknown[] = [];
  for (const where of ['params', 'query'] as const) {
    const schema = route[where] as { properties?: Record<string, JsonSchema>; required?: string[] } | undefined;
    for (const [name, s] of Object.entries(schema?.properties ?? {})) {
      out.push({
        name,
        in: where === 'params' ? 'path' : 'query',
        required: where === 'params' || (schema?.required ?? []).includes(name),
        ...(typeof s.description === 'string' ? { description: s.description } : {}),
        schema: s,
      });
    }
  }
  if (route.idempotent) out.push({ $ref: '#/components/parameters/IdempotencyKey' });
  return out;
}

/** The header of the create operations that accept it (idempotency.ts), declared once. */
const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Any unique value (a UUID), 1-255 visible ASCII characters. Sending the same request again with the same key within 24 h returns the first answer (with `Idempotent-Replayed: true`) instead of creating again; the same key with a different request is a 422 `idempotency_key_reused`, and while the first request still runs, a 409 `idempotency_key_in_flight`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
};

function requestContent(r: RegisteredRoute): Record<string, unknown> {
  const json: Record<string, unknown> = { schema: r.body };
  const example = operationExamples[r.operationId]?.request;
  if (example !== undefined) json.example = example;
  const content: Record<string, unknown> = { 'application/json': json };
  if (r.multipart) {
    const form = (r.multipart.form ?? r.body) as { properties?: Record<string, unknown>; required?: string[] };
    // type string + format binary is what Swagger UI renders as a file input (one per item of an array);
    // contentMediaType is how JSON Schema 2020-12 says the same
    const file = { type: 'string', format: 'binary', contentMediaType: r.multipart.fileType ?? 'application/octet-stream' };
    content['multipart/form-data'] = {
      schema: {
        type: 'object',
        ...(form.required ? { required: form.required } : {}),
        properties: {
          ...form.properties,
          [r.multipart.fileField]: r.multipart.single ? { ...file, description: 'one file' } : { type: 'array', items: file, description: 'files: repeat the part once per file' },
        },
      },
    };
  }
  return content;
}

function security(r: RegisteredRoute) {
  const { auth } = accessOf(r);
  if (auth === 'required') return { security: [{ bearerAuth: [] }] };
  // optional: with a token or without
  if (auth === 'optional') return { security: [{ bearerAuth: [] }, {}] };
  return {};
}

export function buildOpenApi(registry: ApiRegistry, info: { title: string; version: string; description?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const problemExamples: Record<string, unknown> = {};
  for (const r of registry.routes) {
    const p = (paths[toOpenApiPath(r.fullPath)] ??= {});
    const responses: Record<string, unknown> = {};
    const examples = operationExamples[r.operationId]?.responses ?? {};
    for (const [status, resp] of Object.entries(r.responses)) {
      if (Number(status) >= 400) continue; // below, with the derived ones
      const media: Record<string, unknown> = { schema: resp.schema ?? {} };
      if (examples[Number(status)] !== undefined) media.example = examples[Number(status)];
      responses[status] = {
        description: resp.description,
        ...(resp.schema || resp.contentType ? { content: { [resp.contentType ?? 'application/json']: media } } : {}),
      };
    }
    Object.assign(responses, errorResponses(r, problemExamples));
    const params = parameters(r);
    p[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      description: operationDescription(r),
      ...(r.tags ? { tags: r.tags } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: true, content: requestContent(r) } } : {}),
      ...security(r),
      responses,
    };
  }
  return {
    // no jsonSchemaDialect: the default (the OAS 3.1 base dialect, JSON Schema 2020-12) is what the schemas
    // use, and Swagger UI warns about any other value
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Problem: problemSchema },
      parameters: { IdempotencyKey: idempotencyKeyParameter },
      examples: problemExamples,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

const require = createRequire(import.meta.url);

const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

/** Swagger UI at /docs, every asset served from node_modules. */
export function docsRouter(): Router {
  const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const router = express.Router();
  router.get('/swagger-initializer.js', (_req, res) => {
    res.type('application/javascript').send(initializer);
  });
  router.use(express.static(dist, { index: 'index.html', maxAge: '1h' }));
  return router;
}
