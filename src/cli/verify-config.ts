/**
 * `butler-sos verify-config -c FILE`: validate only, print `OK` or every problem, exit 0/1.
 * Also the shared printing of config problems used by the run command.
 */
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { checkCertificateFiles } from '../config/certificates.ts';
import { ConfigError, type ConfigIssue, describeFound, formatIssue } from '../config/issues.ts';
import { getAt, parsePath, resolveConfiguredPath } from '../config/kit/paths.ts';
import { type LoadedConfig, loadConfigFile } from '../config/load.ts';
import { findPlaceholders } from '../config/placeholders.ts';
import { isLoopbackHost } from '../http-security/hosts.ts';
import {
  DEFAULT_HTTP_SECURITY,
  type HttpSecurity,
  hasUsers,
  loadHttpSecuritySync,
} from '../http-security/security.ts';
import { WebConfigError } from '../http-security/web-config.ts';
import { httpListeners, portCollisions } from './listener-ports.ts';

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

/**
 * Problems of the HTTP endpoints that stop the start: two of them on one port, a web config file
 * that cannot be read or used, and the web UI beyond loopback without authentication (unless
 * allowed). Also returns the warnings: /metrics open beyond loopback without authentication.
 */
export function httpSecurityIssues(loaded: LoadedConfig): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const s = loaded.config['Butler-SOS'];
  const issue = (segments: string[], message: string, expected: string): ConfigIssue => {
    const path = ['Butler-SOS', ...segments];
    return {
      path: path.join('.'),
      line: loaded.lineOf(path),
      found: describeFound(getAt(loaded.config, path), path),
      expected,
      message,
      phase: 'certificate',
    };
  };
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  for (const { first, second } of portCollisions(httpListeners(s))) {
    errors.push(
      issue(
        second.portKey.split('.'),
        `${second.port} is also ${first.portKey} (${first.host}); two endpoints cannot listen on one port`,
        `a port not used by ${first.portKey}`,
      ),
    );
  }
  let security: HttpSecurity = DEFAULT_HTTP_SECURITY;
  try {
    security = loadHttpSecuritySync(s.httpSecurity, (path) => resolveConfiguredPath(path), parseYaml);
  } catch (error) {
    if (!(error instanceof WebConfigError)) throw error;
    for (const problem of error.problems) {
      errors.push(
        issue(
          ['httpSecurity', 'webConfigFile'],
          `web config file ${error.file}: ${problem}`,
          'a usable web config file',
        ),
      );
    }
    return { errors, warnings };
  }
  const authenticated = hasUsers(security) || security.tls?.clientAuth === 'RequireAndVerifyClientCert';
  if (s.webUi.enable && !isLoopbackHost(s.webUi.host) && !authenticated && !s.webUi.allowRemoteWithoutAuth) {
    errors.push(
      issue(
        ['webUi', 'host'],
        `"${s.webUi.host}" is reachable beyond this machine and no basic auth is configured (httpSecurity.webConfigFile, basic_auth_users); ` +
          'bind it to 127.0.0.1, configure users, or set webUi.allowRemoteWithoutAuth: true behind an authenticating reverse proxy',
        'a loopback address, or basic auth',
      ),
    );
  }
  if (s.prometheus.enable && !isLoopbackHost(s.prometheus.host) && !authenticated) {
    warnings.push(
      issue(
        ['prometheus', 'host'],
        `/metrics on "${s.prometheus.host}" is reachable beyond this machine without authentication (allowed, as upstream); ` +
          'configure basic_auth_users in httpSecurity.webConfigFile or bind it to 127.0.0.1',
        'a loopback address, or basic auth',
      ),
    );
  }
  return { errors, warnings };
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
  const http = httpSecurityIssues(loaded);
  for (const warning of http.warnings) err(formatIssue(warning, 'VERIFY CONFIG FILE WARNING'));
  const placeholders = placeholderIssues(loaded);
  // Every problem at once: an administrator fixes them in one go, not one per run.
  const problems = options.strict
    ? [...http.errors, ...placeholders, ...checkCertificateFiles(loaded.config, loaded.lineOf)]
    : http.errors;
  if (problems.length > 0) {
    for (const problem of problems) err(formatIssue(problem));
    err(`MAIN: ${problems.length} problem(s) would stop the agent from starting. Exiting.`);
    return 1;
  }
  if (!options.strict && placeholders.length > 0) {
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
