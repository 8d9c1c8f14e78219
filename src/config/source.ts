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
  visit,
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
  // Duplicate keys are found below, in one pass: the library's own check compares each key with
  // every earlier key of its mapping, which made a file with many keys take minutes.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: false });
  const problems: YamlProblem[] = doc.errors.map((error) => ({
    line: lineCounter.linePos(error.pos[0]).line,
    // The first line of the library's message is the reason; the rest is a code excerpt.
    message: firstLine(error.message),
  }));
  if (problems.length === 0) {
    for (const offset of duplicateKeyOffsets(doc)) {
      problems.push({ line: lineCounter.linePos(offset).line, message: 'Map keys must be unique' });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
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

/** Where a key repeats an earlier key of the same mapping (scalar keys, compared by value). */
function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value = pair.key.value;
        if (seen.has(value)) offsets.push(pair.key.range?.[0] ?? 0);
        else seen.add(value);
      }
    },
  });
  return offsets.sort((a, b) => a - b);
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

type Found = { node: unknown; offset: number | undefined };

/**
 * Each mapping's keys, indexed the first time a path goes through it: a file with many keys in
 * one mapping is asked for the line of each of them, and a scan per question made loading
 * quadratic in the file's size.
 */
const keyIndexes = new WeakMap<readonly unknown[], Map<string, Found>>();

function keyIndexOf(items: readonly unknown[]): Map<string, Found> {
  let index = keyIndexes.get(items);
  if (index) return index;
  index = new Map();
  for (const item of items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    const name = String(item.key.value);
    // The first of equal keys wins, as the scan did (duplicates are refused by the parser anyway).
    if (!index.has(name)) index.set(name, { node: item.value, offset: item.key.range?.[0] });
  }
  keyIndexes.set(items, index);
  return index;
}

function findInMap(doc: Document, items: readonly unknown[], segment: string | number): Found | undefined {
  const found = keyIndexOf(items).get(String(segment));
  if (found) return found;
  // `<<: *anchor` merge keys: look inside the merged mapping(s).
  for (const item of items) {
    if (!isPair(item) || !isScalar(item.key) || item.key.value !== '<<') continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (let source of sources) {
      if (source instanceof Alias) source = source.resolve(doc);
      if (isMap(source)) {
        const inSource = findInMap(doc, source.items, segment);
        if (inSource) return inSource;
      }
    }
  }
  return undefined;
}
