/**
 * Every relative link in the README and docs/ points at a file of the repository, so a
 * reader never lands on a page that moved or was never written.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('relative links in README.md and docs/*.md resolve to files', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/i.test(target)) continue; // anchors on the page, URLs
      if (!existsSync(resolve(dirname(join(ROOT, page)), decodeURIComponent(target)))) {
        broken.push(`${page} → ${match[1]}`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
