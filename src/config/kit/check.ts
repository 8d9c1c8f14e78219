/**
 * What a section's cross-field check reports to (upstream's phase B,
 * docs/reference/runtime.md#cross-field-rules), with the rules many sections share: a value that
 * must be set, a host name, a URL, a schedule. These format checks live here rather than in the
 * schema because they only apply when the feature using the value is on. Template placeholders
 * pass (src/config/placeholders.ts reports the ones that matter).
 */
import { isHostname, isPlaceholder, isUri, scheduleProblem } from './formats.ts';
import { formatPath, type KeyPath } from './paths.ts';

export interface RawIssue {
  /** Full key path, from the document root. */
  path: KeyPath;
  message: string;
  expected?: string;
}

/**
 * A section's cross-field check. `S` names the part of the settings it reads (its own section,
 * and others where a rule depends on them); the whole settings fit it.
 */
export type SectionCheck<S> = (settings: S, check: SettingsCheck) => void;

/** What a checked setting must be, and how an error about it reads. */
interface ValueKind {
  isValid(value: string): boolean;
  name: string;
  expected: string;
}
const HOST: ValueKind = {
  isValid: isHostname,
  name: 'host name or IP address',
  expected: 'a host name or IP address',
};
const SCHEDULE_EXPECTED = 'a later.js text schedule such as "every 15 minutes"';

/** Collects the errors and warnings of the checks; paths given to it are relative to the settings root. */
export class SettingsCheck {
  readonly errors: RawIssue[] = [];
  readonly warnings: RawIssue[] = [];
  readonly #root: string;
  readonly #lineOf: (path: KeyPath) => number | undefined;

  constructor(root: string, lineOf: (path: KeyPath) => number | undefined) {
    this.#root = root;
    this.#lineOf = lineOf;
  }

  /** Where a key is, for messages that name a second key: `Butler-SOS.systemInfo.enable (line 12)`. */
  at(path: KeyPath): string {
    const full = [this.#root, ...path];
    const line = this.#lineOf(full);
    return line === undefined ? formatPath(full) : `${formatPath(full)} (line ${line})`;
  }

  error(path: KeyPath, message: string, expected?: string): void {
    this.errors.push({ path: [this.#root, ...path], message, ...(expected ? { expected } : {}) });
  }

  warn(path: KeyPath, message: string): void {
    this.warnings.push({ path: [this.#root, ...path], message });
  }

  /** Must be set and be a host name or IP address. */
  requireHost(path: KeyPath, value: string, because: string): void {
    this.#requireValid(HOST, path, value, because);
  }

  /**
   * Must be set and be an absolute http:// or https:// URL: every URL of the config is called by
   * an HTTP client, so another scheme can only fail at run time.
   */
  requireUri(path: KeyPath, value: string, because: string): void {
    this.requireHttpUrl(path, value, because);
  }

  /**
   * Must be set and be an absolute http:// or https:// URL (what an HTTP client can call). The
   * value is not repeated in the message: such URLs often carry a token.
   */
  requireHttpUrl(path: KeyPath, value: string, because: string): void {
    if (isPlaceholder(value)) return;
    const expected = 'an http:// or https:// URL';
    if (value === '') {
      this.error(path, `must be set because ${because}`, expected);
      return;
    }
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
    if (!isUri(value)) this.error(path, `is not a valid URL; expected ${expected} (${because})`, expected);
    else if (scheme !== 'http' && scheme !== 'https') {
      this.error(
        path,
        `has the scheme "${scheme}:"; it must be an http:// or https:// URL (${because})`,
        expected,
      );
    }
  }

  /** Must be set (not blank). */
  requireText(path: KeyPath, value: string, because: string, expected: string): void {
    if (value.trim() === '') this.error(path, `must be set because ${because}`, expected);
  }

  /** Must be a later.js text schedule that describes some time. */
  requireSchedule(path: KeyPath, value: string, because: string): void {
    const problem = scheduleProblem(value);
    if (problem) this.error(path, `schedule "${value}" ${problem} (${because})`, SCHEDULE_EXPECTED);
  }

  #requireValid(kind: ValueKind, path: KeyPath, value: string, because: string): void {
    if (isPlaceholder(value)) return;
    if (value === '') this.error(path, `must be set because ${because}`, kind.expected);
    else if (!kind.isValid(value)) {
      this.error(path, `"${value}" is not a valid ${kind.name} (${because})`, kind.expected);
    }
  }
}
