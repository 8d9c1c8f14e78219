/**
 * The envelope's schema step (docs/reference/audit-api.md#the-envelope): the top-level fields
 * and their types. Upstream validates with a JSON Schema validator in its web framework's
 * default mode, which changes the body while checking it; the extension's behaviour depends
 * on the answers that produces, so this step reproduces it:
 * - scalars are coerced to the declared type (numbers and booleans to text, null to "",
 *   whole-number text and booleans to integers, null to 0), and a one-element array is
 *   unwrapped for a scalar field;
 * - unknown keys inside `source` are removed; unknown keys elsewhere are kept;
 * - checks run in the validator's order (required keys first, then each field in schema
 *   order) and only the first failure is reported.
 */
import { isDateTime } from './formats.ts';

/** One validation error, in the form upstream's 400 answer lists it. */
export interface SchemaError {
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const REQUIRED = ['schemaVersion', 'eventId', 'timestamp', 'type', 'payload'] as const;
const SOURCE_ENUMS: Record<string, string> = { kind: 'qlik-sense-extension', name: 'audit-qs' };

export function isPlainObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const typeError = (path: string, type: string): SchemaError => ({
  instancePath: path,
  message: `must be ${type}`,
  params: { type },
});

/** Coerces to a string as the validator does; undefined when it cannot. */
function toText(value: unknown): string | undefined {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  return undefined;
}

/** Coerces to an integer as the validator does; undefined when it cannot. */
function toInteger(value: unknown): number | undefined {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'boolean' || v === null) n = Number(v);
  else if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) n = Number(v);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

/** Checks a text field (coercing it in `body`); the error, if any. */
function checkText(body: Obj, key: string, minLength: number, path = `/${key}`): SchemaError | undefined {
  const text = toText(body[key]);
  if (text === undefined) return typeError(path, 'string');
  body[key] = text;
  if ([...text].length < minLength) {
    return {
      instancePath: path,
      message: `must NOT have fewer than ${minLength} characters`,
      params: { limit: minLength },
    };
  }
  return undefined;
}

function checkSource(body: Obj): SchemaError | undefined {
  const source = body.source;
  if (!isPlainObject(source)) return typeError('/source', 'object');
  for (const key of Object.keys(source)) {
    if (key !== 'kind' && key !== 'name' && key !== 'version') delete source[key];
  }
  for (const key of ['kind', 'name', 'version'] as const) {
    if (source[key] === undefined) continue;
    const error = checkText(source, key, key === 'version' ? 1 : 0, `/source/${key}`);
    if (error) return error;
    const allowed = SOURCE_ENUMS[key];
    if (allowed !== undefined && source[key] !== allowed) {
      return {
        instancePath: `/source/${key}`,
        message: 'must be equal to one of the allowed values',
        params: { allowedValues: [allowed] },
      };
    }
  }
  return undefined;
}

function checkSchemaVersion(body: Obj): SchemaError | undefined {
  const n = toInteger(body.schemaVersion);
  if (n === undefined) return typeError('/schemaVersion', 'integer');
  body.schemaVersion = n;
  if (n < 1) {
    return {
      instancePath: '/schemaVersion',
      message: 'must be >= 1',
      params: { comparison: '>=', limit: 1 },
    };
  }
  return undefined;
}

function checkTimestamp(body: Obj): SchemaError | undefined {
  const error = checkText(body, 'timestamp', 0);
  if (error) return error;
  if (!isDateTime(body.timestamp as string)) {
    return {
      instancePath: '/timestamp',
      message: 'must match format "date-time"',
      params: { format: 'date-time' },
    };
  }
  return undefined;
}

/**
 * Validates (and coerces, in place) a parsed body; the first error, or undefined when the
 * envelope passes.
 */
export function checkEnvelopeSchema(body: unknown): SchemaError | undefined {
  if (!isPlainObject(body)) return typeError('', 'object');
  for (const key of REQUIRED) {
    if (body[key] === undefined) {
      return {
        instancePath: '',
        message: `must have required property '${key}'`,
        params: { missingProperty: key },
      };
    }
  }
  return (
    checkSchemaVersion(body) ??
    checkText(body, 'eventId', 1) ??
    (body.correlationId === undefined ? undefined : checkText(body, 'correlationId', 0)) ??
    checkTimestamp(body) ??
    checkText(body, 'type', 1) ??
    (body.source === undefined ? undefined : checkSource(body)) ??
    (isPlainObject(body.payload) ? undefined : typeError('/payload', 'object'))
  );
}
