/**
 * The shape of the code stays readable: no function in src/ over 120 lines (a factory that
 * returns an object of closures counts as one function, so it gets split into named parts),
 * and no folder imports a folder that imports it back (each folder's place in the layering is
 * clear from its imports). Also one rule of memory: node:http is required, not imported.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAX_FUNCTION_LINES = 120;

const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

test(`no function in src/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const long: string[] = [];
  for (const { file, text } of sources) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const last = source.getLineAndCharacterOfPosition(node.end).line;
        if (last - first + 1 > MAX_FUNCTION_LINES)
          long.push(`${file}:${first + 1} (${last - first + 1} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(long, []);
});

test('no folder of src/ imports a folder that imports it back', () => {
  const imports = new Map<string, Map<string, string>>();
  const specifier = /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const { file, text } of sources) {
    const from = dirname(file);
    for (const match of text.matchAll(specifier)) {
      const to = dirname(normalize(join(from, match[1] ?? match[2]!)));
      if (to === from) continue;
      if (!imports.has(from)) imports.set(from, new Map());
      imports.get(from)!.set(to, file);
    }
  }
  const cycles: string[] = [];
  for (const [a, targets] of imports) {
    for (const [b, viaA] of targets) {
      const viaB = imports.get(b)?.get(a);
      if (viaB && a < b) cycles.push(`${a} ⇄ ${b} (${viaA} → ${b}, ${viaB} → ${a})`);
    }
  }
  assert.deepEqual(cycles, []);
});

test('node:http is required, never imported as a value (its ESM namespace loads undici, ~14 MB)', () => {
  // `import type` is erased; a value import builds the namespace from every export, which runs
  // node:http's lazy WebSocket getters (src/http/client.ts says more).
  const valueImport = /^import\s+(?!type\b)[^;]*?from\s+['"]node:http['"]/m;
  const offenders = sources.filter(({ text }) => valueImport.test(text)).map(({ file }) => file);
  assert.deepEqual(offenders, []);
});
