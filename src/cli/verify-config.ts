/**
 * `butler-sos verify-config -c FILE`: validate only, print `OK` or every problem, exit 0/1.
 * Also the shared printing of config problems used by the run command.
 */
import type { Command } from 'commander';
import { checkCertificateFiles } from '../config/certificates.ts';
import { ConfigError, type ConfigIssue, describeFound, formatIssue } from '../config/issues.ts';
import { getAt, parsePath } from '../config/kit/paths.ts';
import { type LoadedConfig, loadConfigFile } from '../config/load.ts';
import { findPlaceholders } from '../config/placeholders.ts';

export type Write = (line: string) => void;

/** Prints a ConfigError the way upstream does (its prefixes are kept for scripts that grep them). */
export function reportConfigError(error: ConfigError, write: Write): void {
  const phase = error.issues[0]?.phase;
  if (phase === 'file') {
    for (const issue of error.issues) write(`Error: ${issue.message}`);
    return;
  }
  if (phase === 'yaml') {
    for (const issue of error.issues) write(formatIssue(issue, 'VERIFY CONFIG FILE'));
    write('MAIN: Config file verification failed. Exiting.');
    return;
  }
  for (const issue of error.issues) write(formatIssue(issue));
  const schemaProblem = error.issues.some((issue) => issue.phase === 'schema');
  write(
    schemaProblem
      ? `MAIN: Config file verification failed (${error.issues.length} problem(s) in ${error.file}). Exiting.`
      : `MAIN: Application specific config verification failed (${error.issues.length} problem(s) in ${error.file}). Exiting.`,
  );
}

/** Placeholders still in use, as issues with key path and line. */
export function placeholderIssues(loaded: LoadedConfig): ConfigIssue[] {
  return findPlaceholders(loaded.config).map((path) => {
    const segments = parsePath(path);
    const found = describeFound(getAt(loaded.config, segments), segments);
    return {
      path,
      line: loaded.lineOf(segments),
      found,
      expected: 'a real value instead of the template placeholder',
      message: `still holds the template placeholder ${found}; replace it with a real value or disable the feature that uses it`,
      phase: 'placeholder',
    };
  });
}

export interface VerifyOptions {
  /** Also fail on placeholders in use and on unreadable certificate files. */
  strict?: boolean;
}

/** Validates a config file; returns the exit code. Output: `OK`, or one line per problem. */
export function verifyConfig(file: string, options: VerifyOptions, out: Write, err: Write): number {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      reportConfigError(error, err);
      return 1;
    }
    throw error;
  }
  for (const warning of loaded.warnings) err(formatIssue(warning, 'VERIFY CONFIG FILE WARNING'));
  const placeholders = placeholderIssues(loaded);
  if (options.strict) {
    const problems = [...placeholders, ...checkCertificateFiles(loaded.config, loaded.lineOf)];
    if (problems.length > 0) {
      for (const problem of problems) err(formatIssue(problem));
      err(`MAIN: ${problems.length} problem(s) would stop the agent from starting. Exiting.`);
      return 1;
    }
  } else if (placeholders.length > 0) {
    err(
      `VERIFY CONFIG FILE NOTE: ${placeholders.length} setting(s) still hold template placeholders; ` +
        'the agent will refuse to start until they are replaced (use --strict to list them as errors).',
    );
  }
  out('OK');
  return 0;
}

export function registerVerifyConfigCommand(program: Command): void {
  program
    .command('verify-config')
    .description(
      'validate a config file without starting anything; prints OK or every problem (exit code 0/1)',
    )
    .requiredOption('-c, --configfile <file>', 'path to the config file (.yaml)')
    .option('--strict', 'also fail on template placeholders and unreadable certificate files', false)
    .action((opts: { configfile: string; strict: boolean }) => {
      process.exitCode = verifyConfig(
        opts.configfile,
        { strict: opts.strict },
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
    });
}
