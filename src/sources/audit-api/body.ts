/**
 * Reading a request body (docs/reference/audit-api.md#body): its media type, a size limit
 * applied while it streams in, and a parse that refuses what could harm the code behind it.
 *
 * As upstream: `application/json` (any parameters) is parsed as JSON; `text/plain` arrives as a
 * string (and then fails the envelope schema); anything else, or no type, is 415; more than
 * 1 MiB is 413, answered as soon as `Content-Length` shows it; an empty body, invalid JSON, or
 * an object with a `__proto__` key (or a `constructor` key holding `prototype`) is 400.
 * Beyond upstream, and refused before anything else looks at the body: text that is not valid
 * UTF-8, nesting deeper than 64 levels and arrays of more than 10,000 items (400).
 */
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;
export const MAX_ARRAY_ITEMS = 10_000;

/** Why a body was refused: `parser` failures answer as upstream's parser does, `refused` are ours. */
export type BodyFailure =
  | { status: 400 | 413 | 415; kind: 'parser'; message: string }
  | { status: 400; kind: 'refused'; message: string };

export type BodyResult = { ok: true; body: unknown } | { ok: false; failure: BodyFailure };

const parserFailure = (status: 400 | 413 | 415, message: string): BodyResult => ({
  ok: false,
  failure: { status, kind: 'parser', message },
});
const refused = (message: string): BodyResult => ({
  ok: false,
  failure: { status: 400, kind: 'refused', message },
});

/** `json`, `text`, or undefined for a type the API does not take. */
export function mediaKind(contentType: string | undefined): 'json' | 'text' | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'text/plain') return 'text';
  return undefined;
}

/** Reads the whole body, at most `limit` bytes; undefined when it is larger (the rest is discarded). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a body of a known media kind with every check above. */
export function parseBody(kind: 'json' | 'text', raw: Buffer): BodyResult {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return refused('the body is not valid UTF-8');
  }
  if (kind === 'text') return { ok: true, body: text };
  if (text.trim() === '')
    return parserFailure(400, "Body cannot be empty when content-type is set to 'application/json'");
  const shape = shapeProblem(text);
  if (shape) return refused(shape);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return parserFailure(400, (error as Error).message);
  }
  if (hasPollutingKey(body)) return parserFailure(400, 'Object contains forbidden prototype property');
  return { ok: true, body };
}

/**
 * Scans JSON text once, outside strings, for nesting deeper than MAX_DEPTH and arrays longer
 * than MAX_ARRAY_ITEMS, before the parser builds anything. Malformed text is left to the parser.
 */
function shapeProblem(text: string): string | undefined {
  const counts: number[] = [];
  const isArray: boolean[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      isArray.push(c === 0x5b);
      counts.push(0);
      if (isArray.length > MAX_DEPTH) return `the body nests deeper than ${MAX_DEPTH} levels`;
    } else if (c === 0x5d || c === 0x7d) {
      isArray.pop();
      counts.pop();
    } else if (c === 0x2c && isArray.at(-1) === true) {
      const n = counts.length - 1;
      counts[n] = counts[n]! + 1;
      if (counts[n]! >= MAX_ARRAY_ITEMS) return `an array holds more than ${MAX_ARRAY_ITEMS} items`;
    }
  }
  return undefined;
}

/** True when an object anywhere has a `__proto__` key, or a `constructor` key holding `prototype`. */
function hasPollutingKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor = (node as Record<string, unknown>).constructor;
    if (Object.hasOwn(node, 'constructor') && ctor !== null && typeof ctor === 'object') {
      if (Object.hasOwn(ctor, 'prototype')) return true;
    }
    for (const value of Object.values(node)) stack.push(value);
  }
  return false;
}
