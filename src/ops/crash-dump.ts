/**
 * Crash dump files (docs/reference/runtime.md#crash-dumps): when a fatal error ends the process,
 * a JSON and a text file describing it are written into `crashFile.crashFileDirectory`, in the
 * format of upstream Butler SOS v15, so tools that collect those files keep working.
 *
 * A dump is read by people the operator sends it to, so it carries nothing private: the error
 * text and stack pass the agent's redactor (known secrets and credential shapes), absolute paths
 * outside the agent's own sources become `[path]`, the config appears only as a whitelist of
 * switches, and the files are readable by their owner only (0600, in a 0700 folder), created
 * exclusively so an existing file is never overwritten.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ManagedLogger } from '../logging/logger.ts';
import type { Redact } from '../secrets/redactor.ts';
import type { CrashFileConfig } from './config.ts';

export type CrashSource = 'uncaughtException' | 'unhandledRejection' | 'logFatal';

/** The settings a dump reads: its own section and the switches of its config snapshot. */
export interface CrashDumpSettings {
  crashFile: CrashFileConfig;
  logLevel: string;
  fileLogging: boolean;
  logDirectory: string;
  anonTelemetry: boolean;
  systemInfo: { enable: boolean };
  userEvents: { enable: boolean };
  influxdbConfig: { enable: boolean; version: number };
  prometheus: { enable: boolean };
  mqttConfig: { enable: boolean };
}

export interface CrashDumpOptions {
  crashFile: CrashFileConfig;
  /** The switches copied into the JSON's `config` (nothing else of the config is written). */
  settings: CrashDumpSettings;
  version: string;
  redact: Redact;
  now?: () => Date;
  pid?: number;
  /** Base of a relative crashFileDirectory (default: the working directory). */
  baseDirectory?: string;
}

let counter = 0;

/**
 * Writes the dump files the config asks for and returns their paths. Throws only when the
 * folder or a file cannot be written (the safety net logs that and exits anyway).
 */
export function writeCrashDump(error: unknown, source: CrashSource, options: CrashDumpOptions): string[] {
  const { crashFile } = options;
  if (!crashFile.enable || (!crashFile.crashFileCreateJson && !crashFile.crashFileCreateText)) return [];
  const now = (options.now ?? (() => new Date()))();
  const configured = crashFile.crashFileDirectory;
  const directory = isAbsolute(configured)
    ? configured
    : join(options.baseDirectory ?? process.cwd(), configured);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const base = join(directory, fileStem(now, options.pid ?? process.pid, ++counter));
  const report = crashReport(error, source, now, options);
  const written: string[] = [];
  const write = (file: string, text: string) => {
    // `wx`: never overwrite; 0600: only the agent's user reads what went wrong.
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
    written.push(file);
  };
  if (crashFile.crashFileCreateJson) write(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  if (crashFile.crashFileCreateText) write(`${base}.txt`, crashText(report));
  return written;
}

/** `crash_dump_<YYYYMMDD>_<HHMMSS>_<mmm>_<pid>_<counter>`, local time as upstream. */
export function fileStem(at: Date, pid: number, n: number): string {
  const two = (v: number) => String(v).padStart(2, '0');
  const day = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`;
  const time = `${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`;
  return `crash_dump_${day}_${time}_${String(at.getMilliseconds()).padStart(3, '0')}_${pid}_${n}`;
}

export interface CrashReport {
  version: '1.0';
  timestamp: string;
  app: { name: 'butler-sos'; version: string };
  runtime: { nodeVersion: string; platform: string; isSea: boolean };
  error: { type: string; message: string; stack: string };
  context: { exitCode: 1; source: CrashSource };
  config: Record<string, unknown>;
}

export function crashReport(
  error: unknown,
  source: CrashSource,
  at: Date,
  options: Pick<CrashDumpOptions, 'settings' | 'version' | 'redact'>,
): CrashReport {
  const clean = (text: string) => options.redact(withoutPaths(text));
  const isError = error instanceof Error;
  return {
    version: '1.0',
    timestamp: at.toISOString(),
    app: { name: 'butler-sos', version: options.version },
    runtime: {
      nodeVersion: process.versions.node,
      platform: `${process.platform}/${process.arch}`,
      isSea: isSea(),
    },
    error: {
      type: isError ? error.constructor.name : typeof error,
      message: clean(isError ? error.message : String(error)),
      stack: isError && error.stack ? clean(error.stack) : '',
    },
    context: { exitCode: 1, source },
    config: configSnapshot(options.settings),
  };
}

/** Upstream's whitelist: switches only, never a host, a path given by the user or a credential. */
function configSnapshot(s: CrashDumpSettings): Record<string, unknown> {
  const audit = (s as { auditEvents?: { enable?: unknown } }).auditEvents;
  return {
    logLevel: s.logLevel,
    fileLogging: s.fileLogging,
    logDirectory: s.logDirectory,
    anonTelemetry: s.anonTelemetry,
    systemInfoEnable: s.systemInfo.enable,
    userEventsEnable: s.userEvents.enable,
    influxdbEnable: s.influxdbConfig.enable,
    influxdbVersion: s.influxdbConfig.version,
    prometheusEnable: s.prometheus.enable,
    mqttEnable: s.mqttConfig.enable,
    auditEventsEnable: audit?.enable === true,
  };
}

/**
 * Stack frames keep their place in the agent's sources (`src/...`, `dist/...`); any other
 * absolute path (a home folder, a mount point, a file a message names) becomes `[path]`.
 */
export function withoutPaths(text: string): string {
  return text
    .replace(/(?:file:\/\/)?(?:[A-Za-z]:)?[/\\][^\s():'"]*?[/\\]((?:src|dist)[/\\][^\s():'"]+)/g, '$1')
    .replace(
      /(?<![\w.])(?:file:\/\/)?(?:[A-Za-z]:\\|\/)(?:[^\s():;,'"/\\]+[/\\])+[^\s():;,'"/\\]*/g,
      '[path]',
    );
}

function isSea(): boolean {
  try {
    const sea = process.getBuiltinModule('node:sea') as { isSea?: () => boolean } | undefined;
    return sea?.isSea?.() === true;
  } catch {
    return false;
  }
}

const RULE = '='.repeat(72);

export function crashText(report: CrashReport): string {
  return [
    RULE,
    'BUTLER SOS CRASH REPORT',
    RULE,
    `Generated: ${report.timestamp}`,
    '',
    'APPLICATION',
    `  Version:    ${report.app.version}`,
    `  Node.js:    ${report.runtime.nodeVersion}`,
    `  Platform:   ${report.runtime.platform}`,
    `  Executable: ${report.runtime.isSea ? 'SEA (packaged)' : 'Node.js'}`,
    '',
    'CRASH',
    `  Error type: ${report.error.type}`,
    `  Source:     ${report.context.source}`,
    `  Exit code:  ${report.context.exitCode}`,
    '',
    'ERROR MESSAGE',
    `  ${report.error.message}`,
    '',
    'STACK TRACE',
    report.error.stack === '' ? '  (no stack trace available)' : report.error.stack,
    '',
    RULE,
    'END OF CRASH REPORT',
    RULE,
    '',
  ].join('\n');
}

/**
 * The safety net's fatal step: the dump files (each announced in the log, as upstream), then the
 * log flushed. Never throws: a dump that cannot be written must not delay the exit.
 */
export function crashDumpOnFatal(
  options: Omit<CrashDumpOptions, 'crashFile'> & { log: Pick<ManagedLogger, 'error' | 'flushSync'> },
): (error: unknown, source: CrashSource) => void {
  const { log } = options;
  return (error, source) => {
    try {
      const crashFile = options.settings.crashFile;
      for (const file of writeCrashDump(error, source, { ...options, crashFile })) {
        log.error(`CRASH DUMP: Written to ${file}`);
      }
    } catch (problem) {
      try {
        log.error(`CRASH DUMP: could not be written: ${(problem as Error).message}`);
      } catch {}
    }
    try {
      log.flushSync();
    } catch {}
  };
}
