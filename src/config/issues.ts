/** What is wrong with a config file, said so that an administrator can fix it. */

import type { KeyPath } from './kit/paths.ts';
import { isSecretPath, MASK } from './mask.ts';

export type IssuePhase = 'file' | 'yaml' | 'schema' | 'cross' | 'placeholder' | 'certificate';

export interface ConfigIssue {
  /** Key path, e.g. `Butler-SOS.influxdbConfig.port` (empty for the file itself). */
  path: string;
  /** Line of the key in the file (1-based), when known. */
  line: number | undefined;
  /** What the file holds there, described (secrets masked); undefined when the key is absent. */
  found: string | undefined;
  /** What is expected there. */
  expected: string | undefined;
  /** The whole explanation, one sentence. */
  message: string;
  phase: IssuePhase;
}

export class ConfigError extends Error {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    const where = (issue: ConfigIssue) =>
      issue.path ? `${issue.path}${issue.line ? ` (line ${issue.line})` : ''}: ` : '';
    super(
      `${file}: ${issues.length} config problem(s): ${issues.map((issue) => `${where(issue)}${issue.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
    this.file = file;
    this.issues = issues;
  }
}

/** Describes a value found in the file, never showing a secret. */
export function describeFound(value: unknown, path: KeyPath): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return `a list of ${value.length} item(s)`;
  if (typeof value === 'object') return 'a mapping';
  if (isSecretPath(path)) return `a ${typeof value} (${MASK})`;
  if (typeof value === 'string') return `"${value.length > 80 ? `${value.slice(0, 77)}...` : value}"`;
  return `${typeof value} ${String(value)}`;
}

/**
 * One line per issue, keeping upstream's `VERIFY CONFIG FILE ERROR: <path> : <message>` shape
 * that scripts may grep, with the file line added.
 */
export function formatIssue(issue: ConfigIssue, prefix = 'VERIFY CONFIG FILE ERROR'): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${prefix}: ${issue.path || '<file>'}${where} : ${issue.message}`;
}
