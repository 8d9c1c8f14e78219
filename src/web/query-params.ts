/**
 * Reading the query string of an /api request: a repeated parameter counts by its last
 * value, and a bad value is a `BadRequest` (HTTP 400) naming the parameter.
 */

export class BadRequest extends Error {}

export type Query = Record<string, string | string[] | undefined>;

export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function numberParam(q: Query, key: string, fallback: number): number {
  const raw = one(q, key);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new BadRequest(`query parameter ${key} must be a number`);
  return n;
}

export function required(q: Query, key: string): string {
  const v = one(q, key);
  if (v === undefined || v === '') throw new BadRequest(`query parameter ${key} is required`);
  return v;
}

/** `a, b,,c` → [a, b, c] */
export function list(v: string | undefined): string[] {
  return v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

/** `tag.<name>=a&tag.<name>=b` → {name: [a, b]} */
export function tagFilters(q: Query): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(q)) {
    if (!key.startsWith('tag.') || value === undefined) continue;
    out[key.slice(4)] = Array.isArray(value) ? value : [value];
  }
  return out;
}
