/**
 * JSON text of an object's members, and a string field holding it that an encoder can write
 * without the text (see `JsonText` in shapes.ts).
 *
 * Why: `raw_event` is the largest part of every log-event point (about 600 of its 1,000
 * bytes). Built as a string it cost the hot path dozens of concatenations, a flattening copy,
 * and then a character-by-character escape for line protocol (bench/agent-cost.ts, profiled).
 * The InfluxDB encoder writes it from the record instead; the text is built only for readers
 * of `value` (the local store, tests).
 */
import type { InfluxField, JsonText } from './shapes.ts';

/** `"key":` per key, serialised once. */
const KEY_PREFIXES = new Map<string, string>();

function keyPrefix(key: string): string {
  let prefix = KEY_PREFIXES.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    if (KEY_PREFIXES.size < 1000) KEY_PREFIXES.set(key, prefix);
  }
  return prefix;
}

/**
 * JSON string literal. Hand-rolled fast path: most values need no escaping, so a scan plus
 * two concatenations beats a JSON.stringify call per value; anything unusual goes to
 * JSON.stringify.
 */
function jsonString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/** A member's value as JSON: non-finite numbers and undefined are `null`. */
export function jsonValue(value: unknown): string {
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** The JSON text `json` stands for. */
export function jsonText(json: JsonText): string {
  const { object, keys } = json;
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += (i === 0 ? '' : ',') + keyPrefix(key) + jsonValue(object[key]);
  }
  return `${out + json.tail}}`;
}

/** A string field holding `json` as text; the text is built on the first read of `value`. */
export class JsonStringField implements InfluxField {
  readonly type = 'string' as const;
  readonly json: JsonText;
  #text: string | undefined;

  constructor(json: JsonText) {
    this.json = json;
  }

  get value(): string {
    this.#text ??= jsonText(this.json);
    return this.#text;
  }
}
