/** Value formats checked on config values: host names, URIs, later.js schedules, placeholders. */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';

// Same rule as ajv-formats "hostname" (which upstream uses): DNS names and dotted numbers.
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i;

/** A host name or an IP address (IPv6 literals are accepted too, unlike upstream). */
export function isHostname(value: string): boolean {
  return HOSTNAME.test(value) || isIP(value) !== 0;
}

/** An absolute URI with a scheme, as ajv-formats "uri". */
export function isUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value);
}

const PLACEHOLDER = /<[^<>\n]*>/;
const WHOLE_PLACEHOLDER = /^\s*<[^<>\n]*>\s*$/;

/**
 * A template placeholder such as `<IP or FQDN>` or `<server1.my.domain>:4747`.
 * With `whole`, only a value that is nothing but a placeholder counts (for secrets, which may
 * legitimately contain angle brackets).
 */
export function isPlaceholder(value: unknown, whole = false): boolean {
  return typeof value === 'string' && (whole ? WHOLE_PLACEHOLDER : PLACEHOLDER).test(value);
}

interface Later {
  parse: { text(text: string): { schedules: unknown[]; error: number } };
}
// @breejs/later ships no type declarations; this is the one function used here.
const later = createRequire(import.meta.url)('@breejs/later') as Later;

/** Why a later.js text schedule is unusable, or undefined when it is fine. */
export function scheduleProblem(text: string): string | undefined {
  const parsed = later.parse.text(text);
  if (parsed.error >= 0) return `cannot be understood after character ${parsed.error}`;
  if (parsed.schedules.length === 0) return 'describes no time at all';
  return undefined;
}
