/**
 * Checks, before anything starts, that the Sense client certificate files can be read
 * (upstream only finds out at the first poll, 30 s later, and crashes).
 */
import { resolve } from 'node:path';
import type { ConfigIssue } from './issues.ts';
import { isPlaceholder } from './kit/formats.ts';
import { formatPath, type KeyPath } from './kit/paths.ts';
import { CappedReadError, PEM_FILE_MAX_BYTES, readFileCapped } from './kit/read-capped.ts';
import { certificatesNeeded } from './placeholders.ts';
import type { ButlerSosConfig } from './schema.ts';

const CERT_KEYS = ['clientCert', 'clientCertKey', 'clientCertCA'] as const;

/**
 * Problems with the certificate files, naming key and file, when a feature needs them (a server
 * to poll, or app name extraction). Relative paths resolve against `baseDir` (default: the
 * working directory, as upstream's health poll does). Placeholders are left to findPlaceholders.
 */
export function checkCertificateFiles(
  config: ButlerSosConfig,
  lineOf: (path: KeyPath) => number | undefined = () => undefined,
  baseDir = process.cwd(),
): ConfigIssue[] {
  if (!certificatesNeeded(config)) return [];
  const cert = config['Butler-SOS'].cert;
  const issues: ConfigIssue[] = [];
  for (const key of CERT_KEYS) {
    const path = ['Butler-SOS', 'cert', key];
    const value = cert[key];
    if (isPlaceholder(value)) continue;
    const issue = (message: string): ConfigIssue => ({
      path: formatPath(path),
      line: lineOf(path),
      found: value === '' ? 'nothing' : `"${value}"`,
      expected: 'the path of a readable PEM file',
      message,
      phase: 'certificate',
    });
    if (value.trim() === '') {
      issues.push(issue(`is not set; the Sense client certificates are needed to poll the servers`));
      continue;
    }
    const file = resolve(baseDir, value);
    try {
      // Capped and non-blocking: a path such as /dev/zero or a FIFO fails at once, never fills memory.
      readFileCapped(file, PEM_FILE_MAX_BYTES);
    } catch (error) {
      const reason = error instanceof CappedReadError ? error.message : String(error);
      issues.push(issue(`certificate file ${file} ${reason}`));
    }
  }
  return issues;
}
