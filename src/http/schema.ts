// One ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) for every request schema, so the schemas that
// validate requests are the ones the OpenAPI document publishes.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FieldError } from '../errors.js';

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

/** Every integer column is a 32-bit INT: an id or count beyond it can name no row and must not reach a query. */
export const INT32 = { minimum: -2147483648, maximum: 2147483647 } as const;

const isIntegerSchema = (s: JsonSchema) => s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer'));

/**
 * The schema with every integer bounded to the 32-bit range where it gives no bound of its own (a copy; the
 * input is not changed). Routes register the bounded schemas, so the OpenAPI document shows the bounds.
 */
export function boundIntegers<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => boundIntegers(s as unknown)) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema as JsonSchema)) out[k] = k === 'default' || k === 'const' || k === 'enum' || k === 'example' || k === 'examples' ? v : boundIntegers(v);
  if (isIntegerSchema(out)) {
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT32.minimum;
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT32.maximum;
  }
  return out as T;
}

const cache = new WeakMap<object, ValidateFunction>();
export function compile(schema: JsonSchema, coerce: boolean): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = (coerce ? paramAjv : bodyAjv).compile(boundIntegers(schema));
    cache.set(schema, fn);
  }
  return fn;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/**
 * What no schema says but every value of a request must be. Numbers are finite: text coerced to a number may
 * be `Infinity` ("1e309"), which ajv's type check lets through after coercion and its range keywords skip.
 * Strings are well-formed Unicode: JSON may escape a lone surrogate ("\ud800"), which no database column
 * can store. One error per offending value.
 */
export function valueErrors(data: unknown, where: FieldError['in'], path: string[] = []): FieldError[] {
  const field = () => path.join('.') || '(root)';
  if (typeof data === 'number') return Number.isFinite(data) ? [] : [{ field: field(), in: where, code: 'out_of_range', message: `${field()} must be a finite number` }];
  if (typeof data === 'string') return wellFormed(data) ? [] : [{ field: field(), in: where, code: 'invalid_unicode', message: `${field()} must be well-formed Unicode text` }];
  if (!data || typeof data !== 'object') return [];
  return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) =>
    wellFormed(k) ? valueErrors(v, where, [...path, k]) : [{ field: field(), in: where, code: 'invalid_unicode', message: `${field()} has a field name that is not well-formed Unicode` }],
  );
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
      return {
        code: 'invalid_format',
        message: e.parentSchema && typeof (e.parentSchema as JsonSchema).description === 'string' ? ((e.parentSchema as JsonSchema).description as string) : 'has an invalid format',
      };
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

/** A required text of 1..max characters with at least one visible character (not only spaces). */
export const visibleText = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S', description: `must have a visible character (at most ${max})` }) as const;
