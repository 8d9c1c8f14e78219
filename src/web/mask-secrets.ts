/**
 * A last line of defence for everything the web UI shows.
 *
 * The caller already hands the web server a masked config
 * (docs/reference/runtime.md#config-view-masking), but a page that renders a secret is a leak
 * whoever's bug it is, so the server masks again before rendering: every value under a key
 * whose name looks like a credential, every header value (partly masked values under secret
 * keys become fully masked), and credentials in any text: URL passwords, Authorization-like
 * header values, token-like query parameters. The mask and the text redaction are the secrets
 * module's, the same as in logs and the config view.
 */
import { MASK, redactCredentialShapes, SECRET_NAME } from '../secrets/redactor.ts';

export { MASK };

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

/**
 * Removes credentials recognisable in free text: the password of `scheme://user:password@host`,
 * Authorization-like header values, token-like query parameters.
 */
export function scrubText(text: string): string {
  return redactCredentialShapes(text);
}

/** A deep copy of `value` with every secret masked. Never throws; never mutates its input. */
export function maskSecrets(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => maskSecrets(v, seen));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_NAME.test(key)) out[key] = maskLeaves(v);
      else if (HEADER_KEY.test(key)) out[key] = maskHeaders(v);
      else out[key] = maskSecrets(v, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
