/**
 * Real services for integration tests and benchmarks.
 *
 * - `sharedServices()`: the long-running instances started by `scripts/services.sh up`
 *   (found through the env vars of `.services/env`). Shared by every test process, so each
 *   test uses its own database / topic / metric names (`uniqueName()`).
 * - `startPrivateInfluxDb()`, `startPrivateMosquitto()`, `startPrivatePostgres()`: an
 *   instance of one's own, on a free port with its data in a temp folder, that a fault test
 *   may SIGKILL and restart with its data intact.
 * - Prometheus scrape targets (`addPrometheusScrapeTarget`) and queries, `waitFor`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  chownSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// ---------------------------------------------------------------------------------------
// Shared services

export interface SharedServices {
  /** mqtt://127.0.0.1:PORT (anonymous) */
  mosquittoUrl: string;
  /** http://127.0.0.1:PORT, InfluxDB 1.x HTTP API without authentication */
  influxdbUrl: string;
  /** http://127.0.0.1:PORT, scraping every 1 s the targets of `prometheusTargetsDir` */
  prometheusUrl: string;
  /** postgres://user:password@127.0.0.1:PORT/db (a superuser) */
  postgresUrl: string;
  /** http://127.0.0.1:PORT; accepts InfluxDB line protocol on /write and /api/v2/write */
  victoriametricsUrl: string;
  /** Folder of file_sd target files (`*.json`) Prometheus watches. */
  prometheusTargetsDir: string;
  /** One target file inside that folder, for those who prefer editing a single file. */
  prometheusTargetsFile: string;
}

const SHARED_ENV = {
  mosquittoUrl: 'MOSQUITTO_URL',
  influxdbUrl: 'INFLUXDB_URL',
  prometheusUrl: 'PROMETHEUS_URL',
  postgresUrl: 'POSTGRES_URL',
  victoriametricsUrl: 'VICTORIAMETRICS_URL',
  prometheusTargetsDir: 'PROMETHEUS_TARGETS_DIR',
  prometheusTargetsFile: 'PROMETHEUS_TARGETS_FILE',
} as const satisfies Record<keyof SharedServices, string>;

/** Written by `scripts/services.sh up`: `export NAME=value` lines. */
const ENV_FILE = process.env.BUTLER_SOS_SERVICES_DIR
  ? join(process.env.BUTLER_SOS_SERVICES_DIR, 'env')
  : fileURLToPath(new URL('../../.services/env', import.meta.url));

/**
 * The shared services, from the env vars (set by `npm test`, or by sourcing .services/env);
 * when those are absent, from .services/env itself, so a single test file also runs with a
 * bare `node --test FILE` after `bash scripts/services.sh up`. Throws, saying how to start
 * them, when neither exists.
 */
export function sharedServices(): SharedServices {
  const fromFile = readEnvFile();
  const value = (name: string) => process.env[name] || fromFile[name];
  const missing = Object.values(SHARED_ENV).filter((name) => !value(name));
  if (missing.length > 0) {
    throw new Error(
      `Real services are not configured (missing ${missing.join(', ')}). ` +
        'Run the whole suite with `npm test`, or start them with `bash scripts/services.sh up` ' +
        'and `source .services/env` before `node --test ...`.',
    );
  }
  const entries = Object.entries(SHARED_ENV).map(([key, name]) => [key, value(name) as string]);
  return Object.fromEntries(entries) as SharedServices;
}

function readEnvFile(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(ENV_FILE, 'utf8');
  } catch {
    return {};
  }
  const vars: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) {
    vars[match[1] as string] = match[2] as string;
  }
  return vars;
}

/** A name no other test (or test process) uses: letters, digits and underscores only. */
export function uniqueName(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${random}`;
}

// ---------------------------------------------------------------------------------------
// Waiting

/**
 * Calls `fn` every `intervalMs` until it returns a value other than false/null/undefined,
 * and resolves with that value. Errors thrown by `fn` count as "not yet"; on timeout the
 * last one is reported.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== false && value !== null && value !== undefined) {
        return value as NonNullable<Exclude<T, false>>;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms${detail}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------
// Prometheus

function targetFile(hostPort: string): string {
  return join(sharedServices().prometheusTargetsDir, `${hostPort.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
}

/**
 * Makes the shared Prometheus scrape http://HOST:PORT/metrics every second (job "tests",
 * instance "HOST:PORT" plus `labels`). One file per target, written atomically, so
 * concurrent test processes never clobber each other's targets.
 */
export async function addPrometheusScrapeTarget(
  hostPort: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const file = targetFile(hostPort);
  // The temp name does not match the `*.json` glob, so Prometheus never reads half a file.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify([{ targets: [hostPort], labels }]));
  await rename(temp, file);
}

export async function removePrometheusScrapeTarget(hostPort: string): Promise<void> {
  await rm(targetFile(hostPort), { force: true });
}

export interface PrometheusScrapeTarget {
  hostPort: string;
  /** Stops the scraping; safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * `addPrometheusScrapeTarget` that returns the way back, so the suite's `after` hook removes
 * exactly the target its `before` hook added.
 */
export async function scrapeByPrometheus(
  hostPort: string,
  labels: Record<string, string> = {},
): Promise<PrometheusScrapeTarget> {
  await addPrometheusScrapeTarget(hostPort, labels);
  return { hostPort, remove: () => removePrometheusScrapeTarget(hostPort) };
}

export interface PromSampleResult {
  metric: Record<string, string>;
  /** [unix seconds, value as a string] */
  value: [number, string];
}

/** Instant query against the shared Prometheus; returns the vector (empty when no match). */
export async function queryPrometheus(promql: string): Promise<PromSampleResult[]> {
  const url = new URL('/api/v1/query', sharedServices().prometheusUrl);
  url.searchParams.set('query', promql);
  const response = await fetch(url);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || !body.data) {
    throw new Error(`Prometheus query ${JSON.stringify(promql)} failed: ${body.error ?? response.status}`);
  }
  if (body.data.resultType !== 'vector') {
    throw new Error(`Prometheus query returned a ${body.data.resultType}, expected a vector`);
  }
  return body.data.result as PromSampleResult[];
}

// ---------------------------------------------------------------------------------------
// InfluxDB 1.x

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs InfluxQL on an InfluxDB 1.x (POST /query); returns the series of the first statement. */
export async function queryInflux(baseUrl: string, db: string, influxql: string): Promise<InfluxSeries[]> {
  const url = new URL('/query', baseUrl);
  url.searchParams.set('db', db);
  url.searchParams.set('q', influxql);
  const response = await fetch(url, { method: 'POST' });
  const body = (await response.json()) as {
    error?: string;
    results?: { error?: string; series?: InfluxSeries[] }[];
  };
  const first = body.results?.[0];
  const error = body.error ?? first?.error;
  if (!response.ok || error) {
    throw new Error(`InfluxDB query ${JSON.stringify(influxql)} failed: ${error ?? response.status}`);
  }
  return first?.series ?? [];
}

// ---------------------------------------------------------------------------------------
// VictoriaMetrics

/**
 * Makes everything written so far searchable now: VictoriaMetrics 1.79 otherwise shows new
 * series only after its periodic in-memory flush (5-10 s).
 */
export async function flushVictoriaMetrics(baseUrl = sharedServices().victoriametricsUrl): Promise<void> {
  const response = await fetch(new URL('/internal/force_flush', baseUrl));
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`VictoriaMetrics force_flush failed: HTTP ${response.status}`);
}

// ---------------------------------------------------------------------------------------
// Private instances

export interface PrivateService {
  url: string;
  port: number;
  /** Temp folder holding the data (and `service.log`); kept across kill/restart. */
  dataDir: string;
  /** Signals the process (default SIGKILL) and waits until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same data (stops it first if running). */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL) and deletes its data. */
  stop(): Promise<void>;
}

interface ServiceRecipe {
  name: string;
  command: string;
  args: string[];
  /** Run as this user (PostgreSQL refuses to run as root). */
  runAs?: { uid: number; gid: number };
  /** Resolves true once the service answers. */
  ready(): Promise<boolean>;
}

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Children still running when the test process exits are killed, not left behind. */
const liveChildren = new Set<ChildProcess>();
const liveDataDirs = new Set<string>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const dir of liveDataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the recipe's process and returns the handle; on failure cleans up and throws. */
async function launch(recipe: ServiceRecipe, dataDir: string, port: number, url: string) {
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const logFd = openSync(join(dataDir, 'service.log'), 'a');
    const spawned = spawn(recipe.command, recipe.args, {
      stdio: ['ignore', logFd, logFd],
      ...(recipe.runAs ?? {}),
    });
    closeSync(logFd); // the child has its own copy
    child = spawned;
    liveChildren.add(spawned);
    spawned.once('exit', () => liveChildren.delete(spawned));
    // Not keeping the test process alive: a forgotten stop() ends at process exit instead.
    spawned.unref();
    const exited = new Promise<never>((_, reject) => {
      spawned.once('error', reject);
      spawned.once('exit', (code, signal) =>
        reject(new Error(`${recipe.name} exited during startup (${signal ?? code}): ${logTail(dataDir)}`)),
      );
    });
    exited.catch(() => {}); // only observed while starting
    try {
      await Promise.race([exited, waitFor(recipe.ready, STARTUP_TIMEOUT_MS, 50)]);
    } catch (error) {
      await kill('SIGKILL'); // never leave a half-started process behind
      throw error;
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const stop = async (): Promise<void> => {
    await kill('SIGTERM');
    liveDataDirs.delete(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port,
    dataDir,
    kill,
    restart: async () => {
      await kill('SIGTERM');
      // A few tries: after a SIGKILL, leftovers (PostgreSQL's orphaned backends holding its
      // shared memory, a socket in TIME_WAIT) may take a moment to go away.
      for (let attempt = 1; ; attempt++) {
        try {
          await start();
          return;
        } catch (error) {
          if (attempt === 3) throw error;
          await sleep(500);
        }
      }
    },
    stop,
  } satisfies PrivateService;
}

function logTail(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'service.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

function makeDataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `butler-sos-${name}-`));
  liveDataDirs.add(dir);
  return dir;
}

/** A free port below the ephemeral range, so OS-chosen ports of other sockets never take it
 * while the service is down for a restart (scripts/services.sh uses 20000-31999). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 10_000);
    if (await canBind(port)) return port;
  }
  throw new Error('no free port found');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A binary from a Debian package, looked up where Debian installs it, then on PATH. */
export function findBinary(name: string, candidates: string[] = []): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name));
  for (const candidate of [...candidates, ...onPath]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error(`${name} not found: run \`bash scripts/services.sh up\` once (it installs the packages)`);
}

export async function startPrivateInfluxDb(): Promise<PrivateService> {
  const dataDir = makeDataDir('influxdb');
  const port = await freePort();
  const rpcPort = await freePort();
  const config = join(dataDir, 'influxdb.conf');
  await writeFile(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      `[meta]\n  dir = "${dataDir}/meta"`,
      `[data]\n  dir = "${dataDir}/data"\n  wal-dir = "${dataDir}/wal"\n  query-log-enabled = false`,
      `[http]\n  bind-address = "127.0.0.1:${port}"\n  log-enabled = false`,
      '[monitor]\n  store-enabled = false',
      '[logging]\n  level = "warn"',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  return launch(
    {
      name: 'influxd',
      command: findBinary('influxd', ['/usr/bin/influxd']),
      args: ['run', '-config', config],
      ready: async () => (await fetch(`${url}/ping`)).status === 204,
    },
    dataDir,
    port,
    url,
  );
}

export async function startPrivateMosquitto(): Promise<PrivateService> {
  const dataDir = makeDataDir('mosquitto');
  const port = await freePort();
  const config = join(dataDir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence true',
    `persistence_location ${dataDir}/`,
    'autosave_interval 1',
    // The tests' subscribers stand for durable consumers: while one reconnects after a broker
    // restart (slow on a busy machine), the broker must keep all it queued for it, not the
    // default 1,000 messages, or a count of what arrived measures the broker, not the agent.
    'max_queued_messages 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  // As root, mosquitto would switch to the `mosquitto` user, who cannot write dataDir.
  if (process.getuid?.() === 0) lines.push('user root');
  await writeFile(config, `${lines.join('\n')}\n`);
  return launch(
    {
      name: 'mosquitto',
      command: findBinary('mosquitto', ['/usr/sbin/mosquitto']),
      args: ['-c', config],
      ready: () => tcpAnswers(port),
    },
    dataDir,
    port,
    `mqtt://127.0.0.1:${port}`,
  );
}

function postgresBinDir(): string {
  try {
    const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' })
      .split('\n')
      .filter((version) => /^\d+$/.test(version))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return `/usr/lib/postgresql/${versions[0]}/bin`;
  } catch {}
  return join(findBinary('initdb'), '..');
}

const PRIVATE_PG_USER = 'butler';
const PRIVATE_PG_PASSWORD = 'butler';
const PRIVATE_PG_DB = 'butler';

/** A private PostgreSQL cluster; url is postgres://butler:butler@127.0.0.1:PORT/butler. */
export async function startPrivatePostgres(): Promise<PrivateService> {
  const binDir = postgresBinDir();
  const dataDir = makeDataDir('postgres');
  const port = await freePort();
  // PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
  let runAs: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    runAs = { uid, gid };
    chownSync(dataDir, uid, gid);
  }
  const passwordFile = join(dataDir, 'pw');
  await writeFile(passwordFile, PRIVATE_PG_PASSWORD, { mode: 0o644 });
  const cluster = join(dataDir, 'cluster');
  try {
    execFileSync(
      join(binDir, 'initdb'),
      [
        '-D',
        cluster,
        '-U',
        PRIVATE_PG_USER,
        `--pwfile=${passwordFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ],
      { stdio: 'pipe', ...(runAs ?? {}) },
    );
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    liveDataDirs.delete(dataDir);
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${stderr || (error as Error).message}`);
  }
  rmSync(passwordFile);
  const adminUrl = `postgres://${PRIVATE_PG_USER}:${PRIVATE_PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  const service = await launch(
    {
      name: 'postgres',
      command: join(binDir, 'postgres'),
      args: [
        '-D',
        cluster,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `port=${port}`,
        '-c',
        `unix_socket_directories=${dataDir}`,
      ],
      ...(runAs ? { runAs } : {}),
      ready: async () => {
        const client = new pg.Client({ connectionString: adminUrl });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => {});
        }
      },
    },
    dataDir,
    port,
    `postgres://${PRIVATE_PG_USER}:${PRIVATE_PG_PASSWORD}@127.0.0.1:${port}/${PRIVATE_PG_DB}`,
  );
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${PRIVATE_PG_DB}`);
  } catch (error) {
    await service.stop();
    throw error;
  } finally {
    await admin.end().catch(() => {});
  }
  return service;
}
