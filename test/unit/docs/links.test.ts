/**
 * Every relative link in the README and docs/ points at a file of the repository, and a link
 * to a heading of a markdown file points at a heading that exists, so a reader never lands on
 * a page or section that moved or was never written.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchorsOf } from './markdown-anchors.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('relative links in README.md and docs/**/*.md resolve to files and headings', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const pagePath = join(ROOT, page);
    const text = readFileSync(pagePath, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const [target, anchor] = match[1]!.split('#') as [string, string | undefined];
      if (/^[a-z]+:/i.test(target)) continue; // URLs
      const file = target === '' ? pagePath : resolve(dirname(pagePath), decodeURIComponent(target));
      if (!existsSync(file)) {
        broken.push(`${page} → ${match[1]} (no such file)`);
      } else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
        broken.push(`${page} → ${match[1]} (no such heading in ${relative(ROOT, file)})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
