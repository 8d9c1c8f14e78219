/**
 * Paths of the config: key paths as printed to users (`Butler-SOS.serversToMonitor.servers[0].host`;
 * internally a list of segments, object keys and array indexes), and the file paths its values
 * name.
 */
import { isAbsolute, join } from 'node:path';

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

const SIMPLE_KEY = /^[A-Za-z0-9_$-]+$/;

export function formatPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Inverse of formatPath (accepts `a.b[0].c` and `a.b.0.c`). */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of text.matchAll(pattern)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
    else if (match[1] !== undefined) segments.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
  }
  return segments;
}

/** Value at a path in plain data, or undefined. */
export function getAt(root: unknown, path: KeyPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

/** True when `path` starts with `prefix`. */
export function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

/**
 * A file or folder named in the config (log folder, spool folder, store file): relative paths
 * are taken from the base directory (the working directory unless given), as upstream does;
 * an absolute path is used as is.
 */
export function resolveConfiguredPath(path: string, baseDirectory: string = process.cwd()): string {
  return isAbsolute(path) ? path : join(baseDirectory, path);
}
