// One ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) for every request schema, so the schemas that
// validate requests are the ones the OpenAPI document publishes.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FieldError } from './errors.js';

export type JsonSchema = Record<string, unknown>;

function makeAjv(coerce: boolean) {
  // strict, except that `anyOf: [{required: [a]}, {required: [b]}]` ("give a or b") is allowed
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, coerceTypes: coerce ? 'array' : false, strict: true, strictRequired: false });
  addFormats.default(ajv);
  // OpenAPI annotations that may appear in request schemas
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

/** Bodies are JSON: types must match exactly. */
export const bodyAjv = makeAjv(false);
/** Query strings and path parameters are text: "5" may become 5, "true" true. */
export const paramAjv = makeAjv(true);

const cache = new WeakMap<object, ValidateFunction>();
export function compile(schema: JsonSchema, coerce: boolean): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = (coerce ? paramAjv : bodyAjv).compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

const messageFor = (e: ErrorObject): { code: string; message: string } => {
  switch (e.keyword) {
    case 'required':
      return { code: 'required', message: 'is required' };
    case 'additionalProperties':
      return { code: 'unknown_field', message: 'is not an accepted field' };
    case 'type':
      return { code: 'invalid_type', message: `must be ${e.params.type as string}` };
    case 'format':
      return { code: 'invalid_format', message: `must be a valid ${e.params.format as string}` };
    case 'minLength':
      return { code: 'too_short', message: `must be at least ${e.params.limit as number} characters` };
    case 'maxLength':
      return { code: 'too_long', message: `must be at most ${e.params.limit as number} characters` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'out_of_range', message: e.message ?? 'is out of range' };
    case 'enum':
      return { code: 'invalid_value', message: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      return { code: 'invalid_format', message: e.parentSchema && typeof (e.parentSchema as JsonSchema).description === 'string' ? ((e.parentSchema as JsonSchema).description as string) : 'has an invalid format' };
    default:
      return { code: `invalid_${e.keyword}`, message: e.message ?? 'is invalid' };
  }
};

/** ajv errors → the `errors` of a problem document: one entry per offending field. */
export function fieldErrors(errors: ErrorObject[] | null | undefined, where: FieldError['in']): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let field = e.instancePath.slice(1).replace(/\//g, '.');
    if (e.keyword === 'required') field = field ? `${field}.${e.params.missingProperty as string}` : (e.params.missingProperty as string);
    if (e.keyword === 'additionalProperties') field = field ? `${field}.${e.params.additionalProperty as string}` : (e.params.additionalProperty as string);
    const { code, message } = messageFor(e);
    const key = `${field}|${code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: field || '(root)', in: where, code, message: field ? `${field} ${message}` : `the ${where ?? 'value'} ${message}` });
  }
  return out;
}
