/** Helpers shared by the config tests: fixture texts, line lookup, temporary certificate files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusPath } from '../../support/compat-corpus.ts';

export const REPO = new URL('../../../', import.meta.url).pathname;
/** Complete configs in the v14 and the v15 key set (test/fixtures/README.md). */
export const FIXTURE_V14 = join(REPO, 'test/fixtures/config/butler-sos-v14.yaml');
export const FIXTURE_V15 = join(REPO, 'test/fixtures/config/butler-sos-v15.yaml');
/** The base text of the tests that break one line at a time (`replaceOnce` anchors live in it). */
export const VALID_FULL = join(REPO, 'test/fixtures/config/valid-full.yaml');
/**
 * Upstream's own config templates, from the compatibility corpus: only tests that pass
 * `{ skip: corpusSkip }` read them.
 */
export const UPSTREAM_TEMPLATE_V14 = corpusPath('upstream-production_template-v14.yaml');
export const UPSTREAM_TEMPLATE_V15 = corpusPath('upstream-production_template-v15.0.1.yaml');

/** The complete valid fixture, with its certificate paths pointing into `certDir`. */
export function validFullText(certDir = '/nonexistent-certs'): string {
  return readFileSync(VALID_FULL, 'utf8').replaceAll('CERT_DIR', certDir);
}

/** 1-based number of the first line containing `needle`. */
export function lineContaining(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `fixture text has no line containing ${JSON.stringify(needle)}`);
  return index + 1;
}

/** Replaces the only occurrence of `from` (fails the test when it is absent or ambiguous). */
export function replaceOnce(text: string, from: string, to: string): string {
  const first = text.indexOf(from);
  assert.ok(first >= 0, `fixture text lacks ${JSON.stringify(from)}`);
  assert.equal(text.indexOf(from, first + 1), -1, `fixture text has ${JSON.stringify(from)} more than once`);
  return text.slice(0, first) + to + text.slice(first + from.length);
}

/** A temporary folder; `remove()` deletes it. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'butler-sos-config-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes stand-in PEM files with the names Sense exports. */
export function writeCertFiles(dir: string): void {
  for (const name of ['client.pem', 'client_key.pem', 'root.pem']) {
    writeFileSync(
      join(dir, name),
      `-----BEGIN CERTIFICATE-----\nstand-in for ${name}\n-----END CERTIFICATE-----\n`,
    );
  }
}
