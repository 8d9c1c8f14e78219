/**
 * Reading the query string of an /api request: a repeated parameter counts by its last
 * value, and a bad value is a `BadRequest` (HTTP 400) naming the parameter; a list longer than
 * its limit is one too, naming the limit.
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

/** A comma list of at most `limit` names; more is a BadRequest naming the parameter and the limit. */
export function limitedList(v: string | undefined, key: string, limit: number): string[] {
  const items = list(v);
  if (items.length > limit) {
    throw new BadRequest(`query parameter ${key} lists ${items.length} names; at most ${limit} are allowed`);
  }
  return items;
}

/** A text parameter of at most `maxChars` characters (default ''). */
export function textParam(q: Query, key: string, maxChars: number): string {
  const v = one(q, key) ?? '';
  if (v.length > maxChars) {
    throw new BadRequest(
      `query parameter ${key} has ${v.length} characters; at most ${maxChars} are allowed`,
    );
  }
  return v;
}

/**
 * `tag.<name>=a&tag.<name>=b` → {name: [a, b]}, with at most `maxTags` tags and `maxValues`
 * values for each.
 */
export function tagFilters(q: Query, maxTags: number, maxValues: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let tags = 0;
  for (const [key, value] of Object.entries(q)) {
    if (!key.startsWith('tag.') || value === undefined) continue;
    if (++tags > maxTags)
      throw new BadRequest(`more than ${maxTags} tag.<name> filters; at most ${maxTags} are allowed`);
    const values = Array.isArray(value) ? value : [value];
    if (values.length > maxValues) {
      throw new BadRequest(
        `query parameter ${key.slice(0, 100)} is given ${values.length} times; at most ${maxValues} values are allowed`,
      );
    }
    out[key.slice(4)] = values;
  }
  return out;
}
