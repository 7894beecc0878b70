// Inputs for the API fuzzer, from the schemas of the served OpenAPI document: schema-valid values
// (fast-check arbitraries, with openapi-sampler's example as one of them), and mutations of them (wrong types,
// huge and non-finite numbers, malformed percent-encoding, unicode and null bytes, missing and extra fields).
import fc from 'fast-check';
import { sample } from 'openapi-sampler';

export type Schema = Record<string, unknown>;

const HANGUL = [...'한국어글자가나다라마바사아자차카타파하'];
const text = (min: number, max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme-ascii' }) },
    { weight: 2, arbitrary: fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom(...HANGUL) }) },
    { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }) },
  );

/** Small ids are the ones that exist in the fuzzed database: most generated ids are small. */
function integerArb(s: Schema): fc.Arbitrary<number> {
  const min = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : typeof s.minimum === 'number' ? s.minimum : -2147483648;
  const max = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - 1 : typeof s.maximum === 'number' ? s.maximum : 2147483647;
  const lo = Math.max(min, Math.min(max, 1));
  return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: lo, max: Math.min(max, lo + 30) }) }, { weight: 1, arbitrary: fc.integer({ min, max }) });
}

/** A lookahead group, `(?=…)` or `(?!…)`, with at most one level of groups inside. */
const LOOKAHEAD = /\(\?[=!](?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)/g;

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? Math.min(s.maxLength, 200) : 40;
  const fit = (a: fc.Arbitrary<string>) => a.filter((v) => [...v].length >= min && v.length <= ((s.maxLength as number | undefined) ?? Infinity));
  if (s.format === 'email') return fit(fc.emailAddress());
  if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'uri') return fit(fc.webUrl());
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern, 'u');
    // fast-check cannot build strings from lookaheads: build from the pattern without them, then make the
    // lookaheads hold (a negative one, such as a reserved prefix, almost always does; a positive one, such as
    // "a digit somewhere", does once every class of character leads). A filter that rarely passes would spin
    // forever: fast-check's filters have no retry bound.
    const base = s.pattern.replace(LOOKAHEAD, '');
    let built: fc.Arbitrary<string>;
    try {
      built = fc.stringMatching(new RegExp(base));
    } catch {
      built = text(0, Math.max(0, max - 4));
    }
    const matching = built.map((v) => (re.test(v) ? v : re.test(`Aa1!${v}`) ? `Aa1!${v}` : null)).filter((v): v is string => v !== null);
    return fc.oneof(fit(matching), text(min, max));
  }
  return text(min, max);
}

/** Schema-valid values (as far as the constraints used by this API go). */
export function valid(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = s[k] as Schema[] | undefined;
    if (alts?.some((a) => a.type !== undefined || a.enum !== undefined || a.const !== undefined)) return fc.oneof(...alts.map((a) => valid({ ...s, [k]: undefined, ...a }, depth + 1)));
  }
  if (Array.isArray(s.type)) return fc.oneof(...(s.type as string[]).map((t) => valid({ ...s, type: t }, depth + 1)));
  switch (s.type) {
    case 'integer':
      return integerArb(s);
    case 'number':
      return fc.double({ min: typeof s.minimum === 'number' ? s.minimum : -1e9, max: typeof s.maximum === 'number' ? s.maximum : 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string':
      return stringArb(s);
    case 'array': {
      const items = valid(s.items as Schema | undefined, depth + 1);
      const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
      const maxLength = Math.max(minLength, Math.min(typeof s.maxItems === 'number' ? s.maxItems : 5, 5));
      return s.uniqueItems ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(items, { minLength, maxLength });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = ((s.required ?? []) as string[]).filter((k) => k in props);
      const shape = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valid(v, depth + 1)]));
      return fc.record(shape, { requiredKeys: required });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** openapi-sampler's example of a schema (deterministic), or undefined when it cannot make one. */
export function example(s: Schema | undefined, doc: object): unknown {
  if (!s) return undefined;
  try {
    return sample(s, { skipReadOnly: true, quiet: true }, doc);
  } catch {
    return undefined;
  }
}

/** Values that no schema of this API accepts in that place, or that test the edges of parsing. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    '',
    ' ',
    '0',
    '-1',
    '1.5',
    '1e309',
    '-1e309',
    'Infinity',
    'NaN',
    '0x10',
    '99999999999999999999',
    '2147483648',
    '9007199254740993',
    'a\u0000b',
    '\u0000',
    '한글',
    '\uD800',
    '%ZZ',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    'x'.repeat(5000),
    [],
    {},
    [1, 2],
    { $gt: '' },
  ),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Raw (already percent-encoded or deliberately not) path segments. */
export const hostileSegment: fc.Arbitrary<string> = fc.constantFrom(
  '0',
  '-1',
  '1.5',
  '1e309',
  '-1e309',
  'Infinity',
  'NaN',
  '0x10',
  '99999999999999999999',
  '2147483648',
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%FF%FE',
  '%00',
  'a%00b',
  '%ED%95%9C%EA%B8%80',
  'p%00',
  'p1e309',
  'c99999999999',
  '%2E%2E',
  'abc',
  'x'.repeat(3000),
);

/** A mutation of an object body: a field removed, retyped, or an unknown one added. */
export function mutateObject(value: unknown): fc.Arbitrary<unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return hostileScalar;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const options: fc.Arbitrary<unknown>[] = [
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileScalar).map(([k, v]) => ({ ...obj, [k]: v })),
    fc.constant({ ...obj, __proto__: { isAdmin: true }, constructor: { prototype: { role: 'superuser' } } }),
    fc.constant({ ...obj, role: 'superuser', isBanned: false, id: 1 }),
  ];
  if (keys.length) {
    options.push(fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(obj).filter(([key]) => key !== k))));
    options.push(fc.tuple(fc.constantFrom(...keys), hostileScalar).map(([k, v]) => ({ ...obj, [k]: v })));
  }
  return fc.oneof(...options);
}
