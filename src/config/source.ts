/**
 * Parses the YAML text of a config file and answers "on which line is this key?".
 * Uses the `yaml` package with a LineCounter so every issue can carry its line.
 * Dialect as upstream's js-yaml 4 default schema where it matters: YAML 1.2 core booleans
 * (`yes`/`no` are strings), `<<` merge keys, duplicate keys rejected.
 */
import {
  Alias,
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import type { KeyPath } from './kit/paths.ts';

export interface YamlProblem {
  line: number | undefined;
  message: string;
}

export interface ConfigSource {
  /** The parsed data (plain objects, arrays, scalars). */
  data: unknown;
  /** Line (1-based) of the key at `path`; for a missing key, the line of its nearest present parent. */
  lineOf(path: KeyPath): number | undefined;
  /** True when the key at `path` is written in the file. */
  has(path: KeyPath): boolean;
}

export type ParseResult = { ok: true; source: ConfigSource } | { ok: false; problems: YamlProblem[] };

export function parseConfigText(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        line: lineCounter.linePos(error.pos[0]).line,
        // The first line of the library's message is the reason; the rest is a code excerpt.
        message: firstLine(error.message),
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ok: false, problems: [{ line: undefined, message: (error as Error).message }] };
  }
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  return {
    ok: true,
    source: {
      data,
      lineOf: (path) => lineAt(walk(doc, path).offset),
      has: (path) => walk(doc, path).complete,
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}

/** Follows `path` through the YAML nodes as far as it exists. */
function walk(doc: Document, path: KeyPath): { offset: number | undefined; complete: boolean } {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0];
  for (const segment of path) {
    if (node instanceof Alias) node = node.resolve(doc);
    let next: { node: unknown; offset: number | undefined } | undefined;
    if (isMap(node)) {
      next = findInMap(doc, node.items, segment);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item) next = { node: item, offset: item.range?.[0] };
    }
    if (!next) return { offset, complete: false };
    node = next.node;
    offset = next.offset ?? offset;
  }
  return { offset, complete: true };
}

function findInMap(
  doc: Document,
  items: readonly unknown[],
  segment: string | number,
): { node: unknown; offset: number | undefined } | undefined {
  for (const item of items) {
    if (!isPair(item)) continue;
    const key = item.key;
    if (isScalar(key) && String(key.value) === String(segment)) {
      return { node: item.value, offset: key.range?.[0] };
    }
  }
  // `<<: *anchor` merge keys: look inside the merged mapping(s).
  for (const item of items) {
    if (!isPair(item) || !isScalar(item.key) || item.key.value !== '<<') continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (let source of sources) {
      if (source instanceof Alias) source = source.resolve(doc);
      if (isMap(source)) {
        const found = findInMap(doc, source.items, segment);
        if (found) return found;
      }
    }
  }
  return undefined;
}
