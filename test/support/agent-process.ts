/**
 * The agent as a real child process, for end-to-end tests and benchmarks: writes a config to
 * a temp folder, starts `node src/cli/launch.ts -c FILE` there (the command's own entry: config
 * checked in a short-lived child, agent in this PID; Node 24 from node_modules, cwd
 * = that folder, so relative log/spool/data paths stay inside it), waits for the UDP
 * listener's "listening" line, and offers stop(signal) / kill() / restart(), the captured
 * output, CPU and RSS from /proc, and the web UI's `/api/status`.
 *
 * Children still running when the test process exits are SIGKILLed, so a failed test never
 * leaves an agent behind holding a port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(REPO, 'src/cli/launch.ts');

/** Node 24 as installed in node_modules (the system node may be older), else this process's. */
export function nodeBinary(): string {
  const local = join(REPO, 'node_modules/.bin/node');
  return existsSync(local) ? local : process.execPath;
}

/** The UDP listener logs `UDP <name>: listening`, or a warning when the kernel granted a
 * smaller receive buffer than asked (it is listening then too). */
export const LISTENING_PATTERN = /UDP [\w-]+: (listening|receive buffer smaller than requested)/;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------
// Ports and config

/** A UDP port that was free a moment ago on 127.0.0.1 (OS-chosen). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base` with `override` merged in, recursively for mappings (lists and scalars replace). */
export function deepMerge(base: Plain, override: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return out;
}

export interface E2eConfigOptions {
  /** UDP port of the log-event listener. */
  logEventPort: number;
  /** Folder of the disk spools (absolute). */
  spoolDirectory: string;
  /** TCP port of the web UI (serves `/api/status`); absent: web UI off. */
  webUiPort?: number;
  /** InfluxDB 1.x to write log events to. */
  influx?: { port: number; dbName: string; maxBatchSize?: number };
  /** Mosquitto to publish log events to, on `topic`. */
  mqtt?: { port: number; topic: string };
  /** `Butler-SOS.delivery` keys. */
  delivery?: Plain;
  /** Merged last, inside `Butler-SOS`. */
  extra?: Plain;
}

/**
 * An upstream-format config with engine log events on `127.0.0.1:logEventPort`, written to
 * the given InfluxDB v1 and/or MQTT broker, the web UI on for status, and everything that
 * would reach outside (telemetry, host info, file logging) off. The web UI (for status) is
 * on when `webUiPort` is given.
 */
export function e2eConfig(options: E2eConfigOptions): Plain {
  const settings: Plain = {
    logLevel: 'info',
    fileLogging: false,
    anonTelemetry: false,
    systemInfo: { enable: false },
    logEvents: {
      udpServerConfig: { serverHost: '127.0.0.1', portLogEvents: options.logEventPort },
      source: { engine: { enable: true } },
      sendToInfluxdb: { enable: options.influx !== undefined },
      sendToMQTT: {
        enable: options.mqtt !== undefined,
        baseTopic: options.mqtt?.topic ?? 'qliksense/logevent',
        postTo: { baseTopic: true, subsystemTopics: false },
      },
    },
    influxdbConfig: {
      enable: options.influx !== undefined,
      host: '127.0.0.1',
      port: options.influx?.port ?? 8086,
      version: 1,
      maxBatchSize: options.influx?.maxBatchSize ?? 1000,
      v1Config: { dbName: options.influx?.dbName ?? 'SenseOps' },
    },
    mqttConfig: {
      enable: options.mqtt !== undefined,
      brokerHost: '127.0.0.1',
      brokerPort: options.mqtt?.port ?? 1883,
    },
    webUi:
      options.webUiPort === undefined
        ? { enable: false }
        : { enable: true, host: '127.0.0.1', port: options.webUiPort },
    delivery: { spoolEnable: true, spoolDirectory: options.spoolDirectory, ...(options.delivery ?? {}) },
  };
  return { 'Butler-SOS': deepMerge(settings, options.extra ?? {}) };
}

// ---------------------------------------------------------------------------------------
// The process

export interface ProcessSample {
  /** utime + stime of the process, seconds. */
  cpuSeconds: number;
  /** Resident set size, bytes (VmRSS). */
  rssBytes: number;
  /** Peak resident set size, bytes (VmHWM). */
  peakRssBytes: number;
}

/** CPU time and memory of a Linux process from /proc, or undefined once it is gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces and parentheses).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return {
      cpuSeconds: ticks / CLOCK_TICKS,
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
    };
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Time from the stop request (or from start, when it exited by itself) to the exit. */
  ms: number;
}

export interface AgentProcess {
  readonly pid: number;
  /** Temp folder: cwd of the agent, holds config.yaml (and the spool when configured there). */
  readonly dir: string;
  readonly configFile: string;
  /** stdout and stderr so far, interleaved as received. */
  output(): string;
  /** Resolves with the first output line matching, waiting up to `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited (also when it crashed on its own). */
  readonly exited: Promise<AgentExit>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<AgentExit>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<AgentExit>;
  /** True until the process has exited. */
  running(): boolean;
  /** CPU and memory now (undefined once exited). */
  stats(): ProcessSample | undefined;
  /** GET /api/status of the web UI (needs webUi enabled on `webUiPort`). */
  status(): Promise<AgentStatus>;
}

export interface AgentDestinationStatus {
  name: string;
  queued?: number;
  inFlight?: number;
  spooled?: number;
  overflowed?: number;
  delivered?: number;
  retried?: number;
  dropped?: Record<string, number>;
  [other: string]: unknown;
}

export interface AgentStatus {
  destinations?: AgentDestinationStatus[] | Record<string, Omit<AgentDestinationStatus, 'name'>>;
  [other: string]: unknown;
}

/** The destinations of a status as a list, whichever form the agent used; stats nested under
 * `stats` (the agent's DestinationStatus) are flattened. */
export function destinationsOf(status: AgentStatus): AgentDestinationStatus[] {
  const d = status.destinations;
  const list: AgentDestinationStatus[] = Array.isArray(d)
    ? d
    : d && typeof d === 'object'
      ? Object.entries(d).map(([name, s]) => ({ ...s, name }))
      : [];
  return list.map((entry) => (isPlain(entry.stats) ? { ...entry, ...(entry.stats as Plain) } : entry));
}

export interface SpawnAgentOptions {
  /** The whole config (`{'Butler-SOS': ...}`), written as YAML to `<dir>/config.yaml`. */
  config: Plain;
  /** Folder to use (e.g. the one of a previous run, to keep its spool); default a new temp one. */
  dir?: string;
  /** Line that means "ready" (default: the UDP listener's). */
  readyPattern?: RegExp;
  readyTimeoutMs?: number;
  /** Web UI port, for status(). */
  webUiPort?: number;
  /** Node options before the script, e.g. `--max-old-space-size=96`. */
  nodeArgs?: string[];
  /** Script Node runs (default src/cli/launch.ts; e.g. the production build of it). */
  entry?: string;
  /** Extra command-line arguments after `-c FILE`. */
  args?: string[];
  /** Echo the agent's output to this process's stderr (debugging). */
  echo?: boolean;
}

/** A new temp folder for an agent's files; removed by `removeAgentDir`. */
export function makeAgentDir(): string {
  return mkdtempSync(join(tmpdir(), 'butler-sos-agent-'));
}

export function removeAgentDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts the agent and resolves once it is ready; on failure kills it and throws with its output. */
export async function spawnAgent(options: SpawnAgentOptions): Promise<AgentProcess> {
  const dir = options.dir ?? makeAgentDir();
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, stringify(options.config));
  const startedAt = Date.now();
  const child = spawn(
    nodeBinary(),
    [...(options.nodeArgs ?? []), options.entry ?? MAIN, '-c', configFile, ...(options.args ?? [])],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '0', NO_COLOR: '1' },
    },
  );
  live.add(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${nodeBinary()} ${options.entry ?? MAIN}`);

  let text = '';
  let lineWatchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    const piece = chunk.toString('utf8');
    text += piece;
    if (options.echo) process.stderr.write(piece);
    if (lineWatchers.length === 0) return;
    const still: typeof lineWatchers = [];
    for (const watcher of lineWatchers) {
      const line = firstMatchingLine(text, watcher.pattern);
      if (line === undefined) still.push(watcher);
      else watcher.resolve(line);
    }
    lineWatchers = still;
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let stopRequestedAt: number | undefined;
  const exited = new Promise<AgentExit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, ms: Date.now() - (stopRequestedAt ?? startedAt) });
    });
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 20_000): Promise<string> => {
    const found = firstMatchingLine(text, pattern);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<string>((resolve, reject) => {
      const watcher = { pattern, resolve: (line: string) => done(() => resolve(line)) };
      const timer = setTimeout(
        () => done(() => reject(new Error(`agent output did not show ${pattern} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const ended = exited.then((exit) =>
        done(() => reject(new Error(`agent exited (${exit.signal ?? exit.code}) before showing ${pattern}`))),
      );
      void ended;
      let settled = false;
      function done(settle: () => void): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        lineWatchers = lineWatchers.filter((w) => w !== watcher);
        settle();
      }
      lineWatchers.push(watcher);
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<AgentExit> => {
    if (child.exitCode === null && child.signalCode === null) {
      stopRequestedAt = Date.now();
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    }
    return exited;
  };

  const agent: AgentProcess = {
    pid,
    dir,
    configFile,
    output: () => text,
    waitForOutput,
    exited,
    stop,
    kill: () => stop('SIGKILL'),
    running: () => child.exitCode === null && child.signalCode === null,
    stats: () => sampleProcess(pid),
    async status() {
      if (options.webUiPort === undefined) throw new Error('status(): no webUiPort given to spawnAgent');
      const response = await fetch(`http://127.0.0.1:${options.webUiPort}/api/status`);
      if (!response.ok) throw new Error(`GET /api/status: HTTP ${response.status}`);
      return (await response.json()) as AgentStatus;
    },
  };

  try {
    await waitForOutput(options.readyPattern ?? LISTENING_PATTERN, options.readyTimeoutMs ?? 20_000);
  } catch (error) {
    await agent.kill();
    throw new Error(`${(error as Error).message}\n--- agent output ---\n${tail(text, 40)}`);
  }
  return agent;
}

function firstMatchingLine(text: string, pattern: RegExp): string | undefined {
  for (const line of text.split('\n')) if (pattern.test(line)) return line;
  return undefined;
}

/** The last `lines` lines of a text (for error messages). */
export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
