/**
 * Loads a Butler SOS config file: YAML with line numbers, schema with defaults, cross-field
 * checks; reports every problem at once, each with key path, line, what was found and what is
 * expected. Loads exactly the named file (no node-config merging of companion files).
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { checkConfig } from './checks.ts';
import { byLine, Findings } from './findings.ts';
import { ConfigError, type ConfigIssue, describeFound } from './issues.ts';
import { isPlaceholder } from './kit/formats.ts';
import { formatPath, type KeyPath, parsePath, startsWith } from './kit/paths.ts';
import { CappedReadError, readFileCapped } from './kit/read-capped.ts';
import { type ButlerSosConfig, settingsSchema } from './schema.ts';
import { parseRepairing, ROOT } from './schema-repair.ts';
import { type ConfigSource, parseConfigText } from './source.ts';

/**
 * Largest config file read: upstream's template is about 30 KiB and a config monitoring
 * thousands of servers stays under 1 MiB; beyond this it is a mistake (a log file, a device),
 * refused before it costs memory and time.
 */
export const CONFIG_FILE_MAX_BYTES = 2 * 1024 * 1024;

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
    text = readFileCapped(absolute, CONFIG_FILE_MAX_BYTES).toString('utf8');
  } catch (error) {
    if (error instanceof CappedReadError && error.code === 'ETOOBIG') {
      throw fileIssue(`Config file ${error.message}; a Butler SOS config is a few tens of KiB`);
    }
    throw fileIssue(
      `Config file cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return loadConfigText(text, absolute, options);
}

/** Validates config text (the file name is only used in messages). */
export function loadConfigText(text: string, file = '<config>', options: LoadOptions = {}): LoadedConfig {
  const source = parseYaml(text, file);
  const data = source.data;
  const findings = new Findings(file, source);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    findings.error(
      [],
      `the file must be a mapping with the key ${ROOT}, found ${describeFound(data, [])}`,
      'schema',
      `a mapping with key ${ROOT}`,
    );
    throw findings.failure();
  }
  const { config, repaired } = parseRepairing(data, findings, options.skipVerification === true);
  warnUnknownSettings((data as Record<string, unknown>)[ROOT] as object, findings);
  clearPlaceholderPassphrase(config, findings);
  crossCheck(config, source, repaired, findings, options.skipVerification === true);
  if (findings.errors.length > 0) throw findings.failure();
  return {
    config,
    file,
    warnings: byLine(findings.warnings),
    defaulted: findDefaulted(config, data),
    lineOf: (path) => source.lineOf(typeof path === 'string' ? parsePath(path) : path),
  };
}

function parseYaml(text: string, file: string): ConfigSource {
  const parsed = parseConfigText(text);
  if (parsed.ok) return parsed.source;
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

/** Unknown keys directly under Butler-SOS are ignored, as upstream does. */
function warnUnknownSettings(settingsRaw: object, findings: Findings): void {
  const known = new Set(Object.keys(settingsSchema.shape));
  for (const key of Object.keys(settingsRaw)) {
    if (!known.has(key)) findings.warning([ROOT, key], `unknown key "${key}" ignored`, 'schema');
  }
}

/** A template passphrase placeholder would be handed to TLS as the key passphrase: read it as none. */
function clearPlaceholderPassphrase(config: ButlerSosConfig, findings: Findings): void {
  if (!isPlaceholder(config[ROOT].cert.clientCertPassphrase, true)) return;
  findings.warning(
    [ROOT, 'cert', 'clientCertPassphrase'],
    'still holds the template placeholder; read as "no passphrase"',
    'placeholder',
  );
  config[ROOT].cert.clientCertPassphrase = '';
}

/** The cross-field rules, skipping values the schema step already replaced by defaults. */
function crossCheck(
  config: ButlerSosConfig,
  source: ConfigSource,
  repaired: KeyPath[],
  findings: Findings,
  skipVerification: boolean,
): void {
  const checks = checkConfig(config, (path) => source.lineOf(path));
  for (const raw of checks.errors) {
    if (repaired.some((done) => startsWith(raw.path, done))) continue;
    const converted = findings.issue(raw.path, raw.message, 'cross', raw.expected);
    if (skipVerification)
      findings.warnings.push({ ...converted, message: `${converted.message} (config verification skipped)` });
    else findings.errors.push(converted);
  }
  for (const raw of checks.warnings) findings.warning(raw.path, raw.message, 'cross', raw.expected);
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
