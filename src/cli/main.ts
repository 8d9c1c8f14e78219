/**
 * The `butler-sos` command line (upstream-compatible, docs/reference/runtime.md#command-line).
 * Default action runs the agent; subcommands: verify-config, sim, demo.
 * Parses process.argv when imported (bin/butler-sos.js imports it).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerSimCommand } from '../../sim/cli.ts';
import { checkCertificateFiles } from '../config/certificates.ts';
import { ConfigError, formatIssue } from '../config/issues.ts';
import { type LoadedConfig, loadConfigFile } from '../config/load.ts';
import type { ButlerSosConfig } from '../config/schema.ts';
import type { NewRelicCredential } from '../destinations/new-relic/config.ts';
import { CLI_COUNT_MISMATCH, credentialsFromCommandLine } from '../destinations/new-relic/credentials.ts';
import { LOG_LEVELS, type LogLevel } from '../logging/logger.ts';
import { handoverFd, writeHandover } from './handover.ts';
import type { RunOptions } from './run.ts';
import {
  httpSecurityIssues,
  placeholderIssues,
  registerVerifyConfigCommand,
  reportConfigError,
} from './verify-config.ts';
import { APP_DIR, VERSION } from './version.ts';

export { VERSION };

const err = (line: string) => process.stderr.write(`${line}\n`);

interface RunCliOptions {
  configfile?: string;
  loglevel?: LogLevel;
  skipConfigVerification: boolean;
  newRelicAccountName?: string[];
  newRelicApiKey?: string[];
  newRelicAccountId?: string[];
}

/**
 * The config file to use: `-c`, else `config/$NODE_ENV.yaml` (the documented upstream fallback)
 * in the working directory or, failing that, the program's directory. Undefined: none given.
 */
function chooseConfigFile(given: string | undefined): string | undefined {
  if (given) return given;
  const env = process.env.NODE_ENV;
  if (!env) return undefined;
  const inCwd = resolve('config', `${env}.yaml`);
  const inApp = resolve(APP_DIR, 'config', `${env}.yaml`);
  const chosen = existsSync(inCwd) || !existsSync(inApp) ? inCwd : inApp;
  err(`MAIN: No --configfile given; using ${chosen} (from NODE_ENV=${env})`);
  return chosen;
}

/**
 * The three New Relic lists replace the configured accounts when given with equal lengths
 * (docs/reference/runtime.md#new-relic-credentials-on-the-command-line).
 */
/** The --new-relic-* options as accounts (undefined when none is given), or 'mismatch'. */
function newRelicAccountsFromCli(opts: RunCliOptions): NewRelicCredential[] | 'mismatch' | undefined {
  try {
    return credentialsFromCommandLine(opts.newRelicAccountName, opts.newRelicApiKey, opts.newRelicAccountId);
  } catch {
    return 'mismatch';
  }
}

async function runCommand(opts: RunCliOptions, program: Command): Promise<void> {
  const file = chooseConfigFile(opts.configfile);
  if (!file) {
    // Upstream prints the help and exits 0 when no config file is given.
    program.outputHelp();
    return;
  }
  for (const name of ['NODE_CONFIG', 'NODE_CONFIG_ENV', 'NODE_CONFIG_DIR']) {
    if (process.env[name])
      err(`MAIN: ${name} is set but not supported: only the named config file is loaded.`);
  }
  const skip = opts.skipConfigVerification;
  if (skip) err('MAIN: Skipping config file verification');

  let loaded: LoadedConfig;
  try {
    loaded = loadConfigFile(file, { skipVerification: skip });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportConfigError(error, err);
    process.exitCode = 1;
    return;
  }
  const config: ButlerSosConfig = loaded.config;

  // Nothing starts half-configured: placeholders in use and unreadable certificates stop the start.
  const placeholders = placeholderIssues(loaded);
  const certificates = checkCertificateFiles(config, loaded.lineOf);
  if (placeholders.length > 0 || certificates.length > 0) {
    if (skip) {
      for (const issue of [...placeholders, ...certificates]) loaded.warnings.push(issue);
    } else {
      for (const issue of placeholders) err(formatIssue(issue));
      for (const issue of certificates) err(formatIssue(issue));
      if (placeholders.length > 0) {
        err(
          `MAIN: ${placeholders.length} setting(s) used by enabled features still hold template placeholders ` +
            `(like <IP or FQDN>) in ${loaded.file}. Replace them or disable those features. Exiting.`,
        );
      }
      if (certificates.length > 0)
        err('MAIN: Sense client certificate files missing or unreadable. Exiting.');
      process.exitCode = 1;
      return;
    }
  }

  // A web config file that cannot be used, or the web UI open beyond loopback: refused even with
  // --skip-config-verification, as a port that cannot be opened is.
  // Its warnings (/metrics open without auth) are left to the endpoints, which log them as they listen.
  const http = httpSecurityIssues(loaded);
  if (http.errors.length > 0) {
    for (const issue of http.errors) err(formatIssue(issue));
    err('MAIN: The HTTP endpoints cannot be started as configured. Exiting.');
    process.exitCode = 1;
    return;
  }

  const accounts = newRelicAccountsFromCli(opts);
  if (accounts === 'mismatch') {
    err(CLI_COUNT_MISMATCH);
    process.exitCode = 1;
    return;
  }
  if (accounts) config['Butler-SOS'].thirdPartyToolsCredentials.newRelic = accounts;
  if (opts.loglevel) config['Butler-SOS'].logLevel = opts.loglevel;

  const options: RunOptions = {
    configFile: loaded.file,
    ...(opts.loglevel ? { logLevel: opts.loglevel } : {}),
    skipConfigVerification: skip,
    configWarnings: loaded.warnings,
    defaultedKeys: loaded.defaulted,
    version: VERSION,
    newRelicFromCommandLine: accounts !== undefined,
  };
  // The checking child of launch.ts: hand the result to the agent process and end here.
  const fd = handoverFd();
  if (fd !== undefined) {
    writeHandover(fd, { config, ...options });
    return;
  }
  // Loaded only for the run command: verify-config and sim stay light.
  const { startFromHandover } = await import('./handover-run.ts');
  await startFromHandover({ config, ...options });
}

/** A TCP/UDP port or count given on the command line. */
function toPort(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidArgumentError(`"${text}" is not a whole number from 0 to 65535.`);
  }
  return value;
}

export function buildProgram(): Command {
  const program = new Command('butler-sos');
  program
    .version(VERSION, '-V, --version', 'print the version and exit')
    .description(
      `Version: ${VERSION}\n\n` +
        'Monitoring agent for Qlik Sense Enterprise on Windows, compatible with Butler SOS: reads Sense ' +
        'health, sessions and log events and writes them to InfluxDB, Prometheus, MQTT and New Relic.',
    )
    .enablePositionalOptions()
    .option('-c, --configfile <file>', 'path to the config file (.yaml)')
    .addOption(
      new Option('-l, --loglevel <level>', 'log level, overrides Butler-SOS.logLevel').choices(
        LOG_LEVELS as readonly string[],
      ),
    )
    .option(
      '--new-relic-account-name <name...>',
      'New Relic account names (replace thirdPartyToolsCredentials.newRelic)',
    )
    .option('--new-relic-api-key <key...>', 'New Relic insert API keys, in the same order')
    .option('--new-relic-account-id <id...>', 'New Relic account IDs, in the same order')
    .option(
      '--skip-config-verification',
      'start even when the config does not validate (bad values get defaults)',
      false,
    )
    .addHelpText(
      'after',
      '\nConfiguration File:\n' +
        '  Give the config file with -c/--configfile (without it, config/$NODE_ENV.yaml is used when\n' +
        '  NODE_ENV is set). An existing Butler SOS config file works unchanged; check one with\n' +
        '  "butler-sos verify-config -c FILE". Documented keys: docs/reference/configuration.md.',
    )
    .action(async (opts: RunCliOptions) => runCommand(opts, program));

  registerVerifyConfigCommand(program);
  registerSimCommand(program);
  program
    .command('demo')
    .description('start a simulated Sense cluster and the agent against it, with nothing else to install')
    .option('--data-dir <dir>', 'folder for the demo certificates, config and store', 'demo-data')
    .option('--web-port <port>', 'web UI port', toPort, 3100)
    .option('--prometheus-port <port>', 'Prometheus endpoint port', toPort, 9842)
    .option('--log-port <port>', 'UDP port for log events', toPort, 9996)
    .option('--user-port <port>', 'UDP port for user events', toPort, 9997)
    .option('--rate <n>', 'events per second sent by the simulated servers', toPort, 20)
    .action(
      async (demo: {
        dataDir: string;
        webPort: number;
        prometheusPort: number;
        logPort: number;
        userPort: number;
        rate: number;
      }) => {
        const { runDemo } = await import('./demo.ts');
        await runDemo(demo);
      },
    );
  return program;
}

await buildProgram().parseAsync(process.argv);
