/**
 * The run command after the config passed every check: logging, the safety net, the agent,
 * and graceful shutdown on SIGTERM/SIGINT (upstream has none: in Docker, as PID 1, it
 * ignored SIGTERM and was killed after the grace period, losing what it buffered).
 */
import { startAgent } from '../agent/agent.ts';
import { createDiskSpoolFactory } from '../agent/spool.ts';
import type { ConfigIssue } from '../config/issues.ts';
import { resolveConfiguredPath } from '../config/kit/paths.ts';
import { createSecretRedactor, maskConfig } from '../config/mask.ts';
import type { ButlerSosConfig } from '../config/schema.ts';
import { createLogger, type LogLevel } from '../logging/logger.ts';
import { crashDumpOnFatal } from '../ops/crash-dump.ts';
import { installProcessSafetyNet } from '../ops/safety-net.ts';

export interface RunOptions {
  /** Absolute path of the config file. */
  configFile: string;
  /** `--loglevel`, when given (already written into the config's logLevel). */
  logLevel?: LogLevel;
  /** `--skip-config-verification` was given. */
  skipConfigVerification: boolean;
  /** Problems that did not stop the start (log each once at startup). */
  configWarnings: ConfigIssue[];
  /**
   * Key paths absent from the file that got their default (log one info line each,
   * docs/reference/runtime.md#accepting-v14-and-v15-files).
   */
  defaultedKeys: string[];
  /** The product version (package.json). */
  version: string;
  /** thirdPartyToolsCredentials.newRelic was replaced by the --new-relic-* options. */
  newRelicFromCommandLine: boolean;
}

/** Where signals and the process exit go; injectable so the demo can run the agent in-process. */
export interface RunHooks {
  /** Register shutdown on SIGTERM/SIGINT and exit when done (default true). */
  handleSignals?: boolean;
  onStarted?: (stop: () => Promise<void>) => void;
  /** Runs first on shutdown (the demo stops its simulator). */
  beforeStop?: () => Promise<void>;
}

export async function runAgent(
  config: ButlerSosConfig,
  options: RunOptions,
  hooks: RunHooks = {},
): Promise<void> {
  const s = config['Butler-SOS'];
  const redact = createSecretRedactor(config);
  const log = createLogger(s.logLevel, {
    redact,
    format: 'text',
    ...(s.fileLogging ? { file: { directory: resolveConfiguredPath(s.logDirectory) } } : {}),
  });
  const onFatal = crashDumpOnFatal({ log, settings: s, version: options.version, redact });
  const uninstall = installProcessSafetyNet(log, onFatal, { redact });

  log.info(`MAIN: Using config file: ${options.configFile}`);
  for (const warning of options.configWarnings) log.warn(`CONFIG: ${warning.path}: ${warning.message}`);
  for (const key of options.defaultedKeys) log.info(`CONFIG: ${key} not set; using its default`);
  if (options.newRelicFromCommandLine) log.info('CONFIG: New Relic accounts taken from the command line');

  const agent = await startAgent({
    config,
    log,
    version: options.version,
    ...(s.delivery.spoolEnable
      ? {
          spools: createDiskSpoolFactory({
            directory: resolveConfiguredPath(s.delivery.spoolDirectory),
            maxBytes: s.delivery.spoolMaxMB * 1024 * 1024,
            log,
          }),
        }
      : {}),
    configView: () => maskConfig(config, { obfuscate: s.configVisualisation.obfuscate }),
  });
  log.info('MAIN: Butler SOS started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await hooks.beforeStop?.();
      await agent.stop();
      log.info('MAIN: Butler SOS stopped');
      log.flushSync();
      uninstall();
    })();
    return stopping;
  };
  hooks.onStarted?.(stop);

  if (hooks.handleSignals !== false) {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn(`MAIN: second ${signal}: exiting now`);
        log.flushSync();
        process.exit(130);
      }
      log.info(`MAIN: ${signal} received: shutting down`);
      stop().then(
        () => process.exit(0),
        (error: Error) => {
          log.error(`MAIN: shutdown failed: ${error.message}`);
          log.flushSync();
          process.exit(1);
        },
      );
    };
    // SIGBREAK is Windows' Ctrl+Break; SIGINT and SIGTERM cover Ctrl+C and service stops.
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGBREAK'] as const) process.on(signal, onSignal);
  }
}
