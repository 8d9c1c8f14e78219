/**
 * The upstream compatibility corpus: Butler SOS's own files (its config templates, log
 * appender XML files, Grafana dashboards, and constructed datagrams with the records upstream
 * makes of them). They are not ours to copy, so they stay outside the repository and only the
 * tests that compare against them read them, through this module and nothing else.
 *
 * Where: the folder named by the environment variable below, by default the corpus folder
 * beside the repository (CORPUS_DIR). When that folder is absent, those tests are skipped with
 * `corpusSkip` as the reason; every other test needs nothing outside the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_VARIABLE = 'BUTLER_SOS_COMPAT_CORPUS';

const repository = fileURLToPath(new URL('../../', import.meta.url));

/** The corpus folder (absolute), whether or not it exists. */
export const CORPUS_DIR = resolve(
  process.env.BUTLER_SOS_COMPAT_CORPUS || join(repository, '../shared/fixtures'),
);

/** True when the corpus folder is there. */
export const corpusAvailable = existsSync(CORPUS_DIR);

/**
 * `false` when the corpus is present, else the one-line reason a test is skipped; pass it as
 * node:test's `skip` option: `test('…', { skip: corpusSkip }, …)`.
 */
export const corpusSkip: string | false = corpusAvailable
  ? false
  : `upstream compatibility corpus not found at ${CORPUS_DIR}; set ${CORPUS_VARIABLE} to the folder holding upstream's files to run this test`;

/** Absolute path of a file inside the corpus (`relative` as in the corpus, e.g. `grafana/…`). */
export function corpusPath(relative: string): string {
  return join(CORPUS_DIR, relative);
}

/** A corpus file's text. Call only from a test that is skipped when `corpusSkip` is set. */
export function readCorpusText(relative: string): string {
  return readFileSync(corpusPath(relative), 'utf8');
}

/** A corpus JSON file, parsed. Call only from a test that is skipped when `corpusSkip` is set. */
export function readCorpusJson<T = unknown>(relative: string): T {
  return JSON.parse(readCorpusText(relative)) as T;
}
