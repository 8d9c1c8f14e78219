/**
 * The problems found while loading one config file: errors stop the start, warnings do not.
 * Each is located in the file: key path, line, and what was found there.
 */
import { ConfigError, type ConfigIssue, describeFound, type IssuePhase } from './issues.ts';
import { formatPath, getAt, type KeyPath } from './kit/paths.ts';
import type { ConfigSource } from './source.ts';

export class Findings {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];
  readonly #file: string;
  readonly #source: ConfigSource;

  constructor(file: string, source: ConfigSource) {
    this.#file = file;
    this.#source = source;
  }

  issue(path: KeyPath, message: string, phase: IssuePhase, expected?: string): ConfigIssue {
    const source = this.#source;
    return {
      path: formatPath(path),
      line: source.lineOf(path),
      found: source.has(path) ? describeFound(getAt(source.data, path), path) : undefined,
      expected,
      message,
      phase,
    };
  }

  error(path: KeyPath, message: string, phase: IssuePhase, expected?: string): void {
    this.errors.push(this.issue(path, message, phase, expected));
  }

  warning(path: KeyPath, message: string, phase: IssuePhase, expected?: string): void {
    this.warnings.push(this.issue(path, message, phase, expected));
  }

  /** The error listing every error found so far, in file order. */
  failure(): ConfigError {
    return new ConfigError(this.#file, byLine(this.errors));
  }
}

/** Issues in file order (stable for equal lines). */
export function byLine(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.index - b.index)
    .map(({ issue }) => issue);
}
