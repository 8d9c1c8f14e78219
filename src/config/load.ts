/**
 * Loads a Butler SOS config file: YAML with line numbers, schema with defaults, cross-field
 * checks; reports every problem at once, each with key path, line, what was found and what is
 * expected. Loads exactly the named file (no node-config merging of companion files).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { z } from 'zod';
import { checkConfig, type RawIssue } from './checks.ts';
import { isPlaceholder } from './formats.ts';
import { ConfigError, type ConfigIssue, describeFound, type IssuePhase } from './issues.ts';
import { formatPath, getAt, type KeyPath, type PathSegment, parsePath, startsWith } from './paths.ts';
import { type ButlerSosConfig, CONDITIONAL_SECTIONS, configSchema, settingsSchema } from './schema.ts';
import { keysAt } from './schema-walk.ts';
import { parseConfigText } from './source.ts';

export interface LoadOptions {
  /** `--skip-config-verification`: schema and cross-field problems become warnings; bad values get their defaults. */
  skipVerification?: boolean;
}

export interface LoadedConfig {
  config: ButlerSosConfig;
  /** Absolute path of the file (or the name given to loadConfigText). */
  file: string;
  /** Problems that do not stop the start: ignored values in disabled sections, unknown top-level keys, ... */
  warnings: ConfigIssue[];
  /** Key paths absent from the file that got their default (highest absent key only). */
  defaulted: string[];
  /** Line of a key in the file (`Butler-SOS.influxdbConfig.port` or a segment list). */
  lineOf(path: string | KeyPath): number | undefined;
}

const ROOT = 'Butler-SOS';
/** Conditional sections that are on when their `enable` key is absent (v15 defaults). */
const ENABLED_BY_DEFAULT = new Set<string>(['crashFile', 'errorTracking']);

/** Reads and validates a config file. Throws ConfigError listing every problem. */
export function loadConfigFile(file: string, options: LoadOptions = {}): LoadedConfig {
  const absolute = resolve(file);
  const fileIssue = (message: string) =>
    new ConfigError(absolute, [
      { path: '', line: undefined, found: undefined, expected: undefined, message, phase: 'file' },
    ]);
  if (extname(absolute).toLowerCase() !== '.yaml') throw fileIssue('Config file extension must be yaml');
  if (!existsSync(absolute)) throw fileIssue('Specified config file does not exist');
  if (!statSync(absolute).isFile()) throw fileIssue('Specified config file is not a file');
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw fileIssue(
      `Config file cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return loadConfigText(text, absolute, options);
}

/** Validates config text (the file name is only used in messages). */
export function loadConfigText(text: string, file = '<config>', options: LoadOptions = {}): LoadedConfig {
  const parsed = parseConfigText(text);
  if (!parsed.ok) {
    throw new ConfigError(
      file,
      parsed.problems.map((problem) => ({
        path: '',
        line: problem.line,
        found: undefined,
        expected: 'valid YAML',
        message: `Error parsing YAML file: ${problem.message}`,
        phase: 'yaml' as const,
      })),
    );
  }
  const source = parsed.source;
  const data = source.data;
  const issue = (path: KeyPath, message: string, phase: IssuePhase, expected?: string): ConfigIssue => ({
    path: formatPath(path),
    line: source.lineOf(path),
    found: source.has(path) ? describeFound(getAt(data, path), path) : undefined,
    expected,
    message,
    phase,
  });

  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, [
      issue(
        [],
        `the file must be a mapping with the key ${ROOT}, found ${describeFound(data, [])}`,
        'schema',
        `a mapping with key ${ROOT}`,
      ),
    ]);
  }

  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const repaired: KeyPath[] = [];
  const settingsRaw = (data as Record<string, unknown>)[ROOT];
  const sectionEnabled = (name: string): boolean => {
    const enable = getAt(settingsRaw, [name, 'enable']);
    return typeof enable === 'boolean' ? enable : ENABLED_BY_DEFAULT.has(name);
  };
  const inDisabledSection = (path: KeyPath): string | undefined => {
    const name = path[1];
    if (
      path[0] !== ROOT ||
      typeof name !== 'string' ||
      !(CONDITIONAL_SECTIONS as readonly string[]).includes(name)
    )
      return undefined;
    if (path.length === 3 && path[2] === 'enable') return undefined;
    if (path.length <= 2) return undefined;
    return sectionEnabled(name) ? undefined : name;
  };

  // Schema: parse, and on failure repair the working copy (drop the bad values so defaults apply)
  // until it parses, so cross-field checks can still run and every problem is reported at once.
  const working = structuredClone(data) as Record<string, unknown>;
  let config: ButlerSosConfig | undefined;
  for (let round = 0; round < 25; round++) {
    const result = configSchema.safeParse(working);
    if (result.success) {
      config = result.data;
      break;
    }
    const removals: KeyPath[] = [];
    let unrepairable = false;
    for (const zodIssue of result.error.issues) {
      for (const { path, message, expected } of explain(zodIssue, data)) {
        const alreadyRepaired = repaired.some((done) => startsWith(path, done));
        if (path.length === 0 || (path.length === 1 && path[0] === ROOT)) {
          // The document or Butler-SOS itself is unusable: nothing to repair.
          errors.push(issue(path, message, 'schema', expected));
          unrepairable = true;
          continue;
        }
        if (!alreadyRepaired) {
          const disabled = inDisabledSection(path);
          if (disabled) {
            warnings.push(
              issue(
                path,
                `${message}; ignored (default used) because ${disabled}.enable is false`,
                'schema',
                expected,
              ),
            );
          } else if (options.skipVerification) {
            warnings.push(
              issue(path, `${message}; default used (config verification skipped)`, 'schema', expected),
            );
          } else {
            errors.push(issue(path, message, 'schema', expected));
          }
        }
        // A value already removed that is still a problem (a required key): remove its parent.
        removals.push(getAt(working, path) === undefined && alreadyRepaired ? path.slice(0, -1) : path);
      }
    }
    if (unrepairable) throw new ConfigError(file, byLine(errors));
    for (const path of removals) repaired.push(path);
    removeAll(working, removals);
  }
  if (!config) throw new ConfigError(file, byLine(errors));

  // Unknown keys directly under Butler-SOS are ignored, as upstream does.
  const known = new Set(Object.keys(settingsSchema.shape));
  for (const key of Object.keys(settingsRaw as object)) {
    if (!known.has(key)) warnings.push(issue([ROOT, key], `unknown key "${key}" ignored`, 'schema'));
  }

  // A template passphrase placeholder would be handed to TLS as the key passphrase: read it as none.
  if (isPlaceholder(config[ROOT].cert.clientCertPassphrase, true)) {
    warnings.push(
      issue(
        [ROOT, 'cert', 'clientCertPassphrase'],
        'still holds the template placeholder; read as "no passphrase"',
        'placeholder',
      ),
    );
    config[ROOT].cert.clientCertPassphrase = '';
  }

  const checks = checkConfig(config, (path) => source.lineOf(path));
  const fresh = (raw: RawIssue) => !repaired.some((done) => startsWith(raw.path, done));
  for (const raw of checks.errors.filter(fresh)) {
    const converted = issue(raw.path, raw.message, 'cross', raw.expected);
    if (options.skipVerification)
      warnings.push({ ...converted, message: `${converted.message} (config verification skipped)` });
    else errors.push(converted);
  }
  for (const raw of checks.warnings) warnings.push(issue(raw.path, raw.message, 'cross', raw.expected));
  if (errors.length > 0) throw new ConfigError(file, byLine(errors));

  return {
    config,
    file,
    warnings: byLine(warnings),
    defaulted: findDefaulted(config, data),
    lineOf: (path) => source.lineOf(typeof path === 'string' ? parsePath(path) : path),
  };
}

/** Issues in file order (stable for equal lines). */
function byLine(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.index - b.index)
    .map(({ issue }) => issue);
}

/** Turns one zod issue into messages with the exact key path (one per unknown key). */
function explain(
  zodIssue: z.core.$ZodIssue,
  data: unknown,
): Array<{ path: KeyPath; message: string; expected?: string }> {
  const path = zodIssue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
  const value = getAt(data, path);
  const found = describeFound(value, path);
  switch (zodIssue.code) {
    case 'unrecognized_keys': {
      const allowed = keysAt(configSchema, path);
      return zodIssue.keys.map((key) => {
        const hint = closest(key, allowed);
        return {
          path: [...path, key],
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
          expected: allowed.length ? `one of the keys ${allowed.join(', ')}` : 'no other keys',
        };
      });
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[zodIssue.expected] ?? zodIssue.expected;
      if (value === undefined) return [{ path, message: `is required (${expected})`, expected }];
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'invalid_value': {
      const expected = `one of ${zodIssue.values.map((v) => String(v)).join(', ')}`;
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'too_small': {
      const min = String(zodIssue.minimum);
      const expected =
        zodIssue.origin === 'array'
          ? `at least ${min} item(s)`
          : zodIssue.origin === 'string'
            ? 'a non-empty string'
            : `a number ${zodIssue.inclusive ? '>=' : '>'} ${min}`;
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'too_big': {
      const max = String(zodIssue.maximum);
      const expected =
        zodIssue.origin === 'array'
          ? `at most ${max} item(s)`
          : `a number ${zodIssue.inclusive ? '<=' : '<'} ${max}`;
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    case 'invalid_union': {
      // Unions in the schema carry their own "expected ..." text.
      const expected = zodIssue.message.replace(/^expected /, '');
      return [{ path, message: `expected ${expected}, found ${found}`, expected }];
    }
    default:
      return [{ path, message: `${zodIssue.message}, found ${found}` }];
  }
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  boolean: 'true or false',
  string: 'a string',
  array: 'a list',
  object: 'a mapping (keys and values)',
  record: 'a mapping (keys and values)',
  int: 'a whole number',
};

/** The allowed key closest to a misspelt one, when it is close enough to be a likely typo. */
function closest(key: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Removes values so that defaults apply; list items are removed after all other removals. */
function removeAll(root: Record<string, unknown>, paths: KeyPath[]): void {
  const listItems = new Map<unknown[], Set<number>>();
  for (const path of paths) {
    const parent = getAt(root, path.slice(0, -1));
    const last = path[path.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') {
      const marked = listItems.get(parent) ?? new Set<number>();
      marked.add(last);
      listItems.set(parent, marked);
    } else if (parent !== null && typeof parent === 'object' && last !== undefined) {
      delete (parent as Record<PathSegment, unknown>)[last];
    }
  }
  for (const [list, indexes] of listItems) {
    for (const index of [...indexes].sort((a, b) => b - a)) list.splice(index, 1);
  }
}

/** Highest key paths present in the loaded config but absent from the file. */
function findDefaulted(config: unknown, raw: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown, rawValue: unknown, path: KeyPath) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    if (rawValue === null || typeof rawValue !== 'object' || Array.isArray(rawValue)) return;
    for (const [key, child] of Object.entries(value)) {
      if (!Object.hasOwn(rawValue, key)) out.push(formatPath([...path, key]));
      else visit(child, (rawValue as Record<string, unknown>)[key], [...path, key]);
    }
  };
  visit(config, raw, []);
  return out;
}
