/**
 * The repository stands on its own: a clone alone builds, runs and passes its tests, and a
 * reader of the code never needs a file from outside it. So no file reads or cites a path
 * outside the repository, except the one module that reads the optional upstream
 * compatibility corpus; every cited reference section exists in docs/reference/; and the
 * text speaks of the product, not of how the work on it was organised.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchorsOf } from './markdown-anchors.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORPUS_MODULE = 'test/support/compat-corpus.ts';
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));
const CHECKED = ['src', 'sim', 'test', 'bench', 'scripts', 'docs', 'bin', 'packaging', 'web', 'README.md'];
const TEXT_FILE = /\.(ts|js|mjs|cjs|md|json|ya?ml|sh|xml|html|css)$/;

/** Tracked and new (not ignored) files of the checked folders. */
function repositoryFiles(): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...CHECKED],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .filter((file) => TEXT_FILE.test(file) && file !== THIS_FILE && !file.startsWith('web/vendor/'))
    .filter((file) => existsSync(join(ROOT, file)));
}

const files = repositoryFiles().map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

/** Findings as `file:line: text`, for a readable failure. */
function findAll(pattern: RegExp, skip: (file: string) => boolean = () => false): string[] {
  const found: string[] = [];
  for (const { file, text } of files) {
    if (skip(file)) continue;
    text.split('\n').forEach((line, i) => {
      if (pattern.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 160)}`);
    });
  }
  return found;
}

test('the check sees the repository (sources, tests and docs)', () => {
  const seen = new Set(files.map(({ file }) => file.split('/')[0]));
  for (const folder of ['src', 'sim', 'test', 'bench', 'scripts', 'docs'])
    assert.ok(seen.has(folder), folder);
  assert.ok(files.length > 100, `only ${files.length} files`);
});

test('no relative path in code climbs out of the repository, except in the corpus module', () => {
  const escaping: string[] = [];
  for (const { file, text } of files) {
    if (file === CORPUS_MODULE || !/\.(ts|js|mjs|cjs|sh)$/.test(file)) continue;
    text.split('\n').forEach((line, i) => {
      for (const match of line.matchAll(/(?:\.\.\/)+[\w.-]*/g)) {
        const target = resolve(join(ROOT, dirname(file)), match[0]);
        if (
          target !== ROOT.replace(/\/$/, '') &&
          !target.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep)
        ) {
          escaping.push(`${file}:${i + 1}: ${match[0]} (resolves to ${target})`);
        }
      }
    });
  }
  assert.deepEqual(escaping, []);
});

test("no file names the team's notes or machine paths outside the repository", () => {
  const notes = ['outputs', 'sense-inputs', 'config-and-ops'].map((name) => `${name}\\.md`).join('|');
  // Assembled from parts, so that this test does not name the paths it looks for.
  const corpusFolders = ['shared', '(fixtures|reference)'].join('/');
  const machineRoots = ['work', 'farm'].join('|');
  const scratchCorpus = ['', 'tmp', 'upstream'].join('/');
  const outside = new RegExp(`\\b(${notes})\\b|${corpusFolders}|/(${machineRoots})/|${scratchCorpus}`);
  assert.deepEqual(
    findAll(outside, (file) => file === CORPUS_MODULE),
    [],
  );
});

test('every cited docs/reference section exists', () => {
  const anchors = new Map<string, Set<string>>();
  const broken: string[] = [];
  for (const { file, text } of files) {
    for (const match of text.matchAll(/docs\/reference\/([\w-]+\.md)(?:#([\w-]+))?/g)) {
      const doc = join(ROOT, 'docs/reference', match[1]!);
      if (!existsSync(doc)) {
        broken.push(`${file}: ${match[0]} (no such file)`);
        continue;
      }
      if (!match[2]) continue;
      if (!anchors.has(doc)) anchors.set(doc, anchorsOf(doc));
      if (!anchors.get(doc)!.has(match[2])) broken.push(`${file}: ${match[0]} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('comments, docs and test names speak of the product, not of how the work was organised', () => {
  const workshop =
    /\bissues? \d+\b|\bthe lead\b|\bthe (issue|ticket) (asks|wants|says)|\bclasses the issue\b/i;
  assert.deepEqual(findAll(workshop), []);
});
