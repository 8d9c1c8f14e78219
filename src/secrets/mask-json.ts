/**
 * Masking of secrets inside plain data (a status object, the config view, event rows): every
 * value under a key whose name looks like a credential, every header value (a header's name
 * stays readable), and credentials inside any string, removed by a redactor (by default the
 * credential shapes: URL passwords, Authorization-like header values, token-like query
 * parameters; the agent's redactor also knows the config's secret values).
 */
import { MASK, type Redact, redactCredentialShapes, SECRET_NAME } from './redactor.ts';

/** Keys whose whole content is HTTP headers (`headers: {X-Key: ...}`, `header: [{name, value}]`). */
const HEADER_KEY = /^headers?$/i;

function maskLeaves(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(maskLeaves);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v)]));
  }
  return MASK;
}

/** Header lists keep each header's name readable and mask everything else. */
function maskHeaders(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(maskHeaders);
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'name' && typeof v === 'string' ? v : maskLeaves(v)]),
    );
  }
  return MASK;
}

/** A deep copy of `value` with every secret masked. Never throws; never mutates its input. */
export function maskSecretsIn(
  value: unknown,
  redact: Redact = redactCredentialShapes,
  seen: WeakSet<object> = new WeakSet(),
): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => maskSecretsIn(v, redact, seen));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_NAME.test(key)) out[key] = maskLeaves(v);
      else if (HEADER_KEY.test(key)) out[key] = maskHeaders(v);
      else out[key] = maskSecretsIn(v, redact, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
