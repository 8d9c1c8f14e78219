/**
 * UDP ingestion benchmark, end to end: engine log events over UDP → the agent (a child process
 * running the production build as bin/butler-sos.js does: `node <tmp>/app/butler-sos.mjs
 * -c FILE`; `--sources` runs src/cli/launch.ts instead) → a private InfluxDB 1.x on this
 * machine. For each rate, a separate sender process (bench/udp-sender.ts) sends for a few seconds; then the rows of
 * `log_event` are counted and compared with what was sent. The agent's CPU (utime+stime)
 * and RSS come from /proc, idle and under load; its own counters (/metrics) tell where
 * anything was lost (kernel receive buffer, queue, ...).
 *
 *   node bench/udp-e2e.ts [--rates 1000,5000,10000,25000,40000] [--seconds 5] [--batch 5000]
 *     [--sources] [--observe] [--node-arg=--max-semi-space-size=4]
 *
 * `--max-semi-space-size=4` is the V8 flag of bin/butler-sos.js and the Docker image; pass it
 * to measure what users run.
 *
 * Every event is its own point: the agent stamps each datagram with a unique receive time
 * (ms + ns offset), so repeated message texts from the sender's pool never collapse.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AgentProcess,
  destinationsOf,
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  nodeBinary,
  removeAgentDir,
  sampleProcess,
  spawnAgent,
} from '../test/support/agent-process.ts';
import {
  freePort,
  type PrivateService,
  queryInflux,
  startPrivateInfluxDb,
} from '../test/support/services.ts';

const SENDER = fileURLToPath(new URL('./udp-sender.ts', import.meta.url));
export const BENCH_DB = 'bench_udp';

// ---------------------------------------------------------------------------------------
// Pieces shared with bench/spool-e2e.ts

/**
 * A private InfluxDB 1.x without the per-tag value cap (`max-values-per-tag`, 100k by
 * default) and series cap, so a long run never has points refused for cardinality. The
 * services helper has no option for it, so its config file is edited and the server
 * restarted once.
 */
export async function startBenchInfluxDb(): Promise<PrivateService> {
  const influx = await startPrivateInfluxDb();
  const file = join(influx.dataDir, 'influxdb.conf');
  const text = await readFile(file, 'utf8');
  if (!text.includes('[data]\n')) throw new Error(`unexpected InfluxDB config layout in ${file}`);
  await writeFile(
    file,
    text.replace('[data]\n', '[data]\n  max-values-per-tag = 0\n  max-series-per-database = 0\n'),
  );
  await influx.restart();
  return influx;
}

export interface SendResult {
  sent: number;
  errors: number;
  seconds: number;
  /** Average datagram size, bytes. */
  averageBytes: number;
}

/** Runs bench/udp-sender.ts in its own process: RATE events/s of KIND for SECONDS to PORT. */
export function runSender(port: number, rate: number, seconds: number, kind = 'engine'): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary(), [SENDER, String(port), String(rate), String(seconds), kind], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`sender exited with ${code}`);
        resolve(JSON.parse(out.trim()) as SendResult);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Points in `log_event` (0 before the first write). */
export async function logEventRows(influxUrl: string, db: string): Promise<number> {
  const series = await queryInflux(influxUrl, db, 'SELECT count(message) FROM log_event');
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

/** The agent's InfluxDB delivery counters from /api/status. */
export async function influxDelivery(agent: AgentProcess) {
  const d = destinationsOf(await agent.status()).find((entry) => /influx/i.test(entry.name));
  if (!d) throw new Error('no InfluxDB destination in /api/status');
  return d;
}

/** The production build of the agent (scripts/build.ts, what bin/butler-sos.js runs), in `dir`. */
export async function buildAgent(dir: string): Promise<string> {
  const { buildApp } = await import('../scripts/build.ts');
  return buildApp(join(dir, 'app'));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the agent has nothing left for InfluxDB (queued, in flight, spooled) and the
 * row count stopped moving; returns the rows. Gives up after `timeoutMs` with what is there.
 */
export async function settledRows(
  agent: AgentProcess,
  influxUrl: string,
  db: string,
  options: { withStatus: boolean; timeoutMs?: number },
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let last = -1;
  let unchanged = 0;
  for (;;) {
    const rows = await logEventRows(influxUrl, db).catch(() => -1);
    unchanged = rows === last && rows >= 0 ? unchanged + 1 : 0;
    last = rows;
    // With status: nothing queued, in flight or spooled and one unchanged count. Without:
    // three unchanged counts in a row (the agent flushes at least every second).
    let done = unchanged >= 3;
    if (options.withStatus && unchanged >= 1) {
      const d = await influxDelivery(agent).catch(() => undefined);
      done = d !== undefined && (d.queued ?? 0) + (d.inFlight ?? 0) + (d.spooled ?? 0) === 0;
    }
    if (done || Date.now() > deadline) return Math.max(rows, 0);
    await sleep(1000);
  }
}

/** Samples a process every 100 ms: CPU % over the window and the highest RSS seen. */
export function startSampling(pid: number) {
  const first = sampleProcess(pid);
  const startedAt = performance.now();
  let peakRss = first?.rssBytes ?? 0;
  const timer = setInterval(() => {
    const s = sampleProcess(pid);
    if (s && s.rssBytes > peakRss) peakRss = s.rssBytes;
  }, 100);
  return {
    /** CPU % (100 = one core) since the start, and the peak RSS in bytes. */
    stop(): { cpuPct: number; peakRss: number } {
      clearInterval(timer);
      const last = sampleProcess(pid);
      const seconds = (performance.now() - startedAt) / 1000;
      const cpu = (last?.cpuSeconds ?? 0) - (first?.cpuSeconds ?? 0);
      if (last && last.rssBytes > peakRss) peakRss = last.rssBytes;
      return { cpuPct: (cpu / seconds) * 100, peakRss };
    },
  };
}

/** The agent's UDP intake counters from its Prometheus endpoint (log_events queue). */
export async function udpCounters(
  promPort: number,
): Promise<{ received: number; dropped: Record<string, number> }> {
  const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  let received = 0;
  const dropped: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.includes('queue_type="log_events"')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('butlersos_udp_datagrams_received_total')) received = value;
    const reason = /^butlersos_udp_datagrams_dropped_total\{.*reason="([^"]+)"/.exec(line)?.[1];
    if (reason) dropped[reason] = value;
  }
  return { received, dropped };
}

export const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  for (const [index, row] of cells.entries()) {
    console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ---------------------------------------------------------------------------------------
// The benchmark

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '1000,5000,10000,25000,40000' },
      seconds: { type: 'string', default: '5' },
      batch: { type: 'string', default: '5000' },
      // Web UI (status) and Prometheus endpoint (UDP drop reasons) on: more insight, more RSS.
      observe: { type: 'boolean', default: false },
      // Run the .ts sources (type stripping, ~15 MB more resident) instead of the production
      // build that bin/butler-sos.js runs (scripts/build.ts).
      sources: { type: 'boolean', default: false },
      // Node options for the agent, e.g. --node-arg=--max-old-space-size=96 (repeatable).
      'node-arg': { type: 'string', multiple: true, default: [] },
      echo: { type: 'boolean', default: false },
    },
  });
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const maxBatchSize = Number(values.batch);
  const observe = values.observe;

  const loadAtStart = loadNow();
  const dir = makeAgentDir();
  const entry = values.sources ? undefined : await buildAgent(dir);
  const influx = await startBenchInfluxDb();
  const udpPort = await freeUdpPort();
  const webUiPort = observe ? await freePort() : undefined;
  const promPort = observe ? await freePort() : undefined;
  let agent: AgentProcess | undefined;
  try {
    agent = await spawnAgent({
      dir,
      ...(webUiPort ? { webUiPort } : {}),
      ...(entry ? { entry } : {}),
      nodeArgs: values['node-arg'],
      echo: values.echo,
      config: e2eConfig({
        logEventPort: udpPort,
        ...(webUiPort ? { webUiPort } : {}),
        spoolDirectory: join(dir, 'spool'),
        influx: { port: influx.port, dbName: BENCH_DB, maxBatchSize },
        ...(promPort ? { extra: { prometheus: { enable: true, host: '127.0.0.1', port: promPort } } } : {}),
      }),
    });
    const bufferLine =
      agent
        .output()
        .split('\n')
        .find((line) => /UDP log_events/.test(line)) ?? '';
    console.log(
      `agent pid ${agent.pid} (${entry ? 'production build' : '.ts sources'}); InfluxDB 1.x at ${influx.url}; batch ${maxBatchSize}; ` +
        `web UI and /metrics ${observe ? 'on' : 'off (--observe turns them on)'}` +
        (values['node-arg'].length > 0 ? `; node ${values['node-arg'].join(' ')}` : ''),
    );
    console.log(`listener: ${bufferLine.trim()}`);

    await sleep(3000);
    const idleSampling = startSampling(agent.pid);
    await sleep(5000);
    const idle = idleSampling.stop();
    console.log(`idle: RSS ${mb(agent.stats()?.rssBytes ?? 0)} MB, CPU ${idle.cpuPct.toFixed(1)} %\n`);

    const rows: (string | number)[][] = [];
    let highestZeroLoss = 0;
    let storedSoFar = 0;
    let intake = promPort ? await udpCounters(promPort) : undefined;
    for (const rate of rates) {
      const sampling = startSampling(agent.pid);
      const sent = await runSender(udpPort, rate, seconds);
      const load = sampling.stop();
      const drainSampling = startSampling(agent.pid);
      const total = await settledRows(agent, influx.url, BENCH_DB, { withStatus: observe });
      const drain = drainSampling.stop();
      const stored = total - storedSoFar;
      storedSoFar = total;
      let received = '-';
      let drops = '-';
      if (promPort && intake) {
        const now = await udpCounters(promPort);
        received = String(now.received - intake.received);
        drops =
          Object.entries(now.dropped)
            .map(([reason, n]) => [reason, n - (intake?.dropped[reason] ?? 0)] as const)
            .filter(([, n]) => n > 0)
            .map(([reason, n]) => `${reason}=${n}`)
            .join(' ') || '-';
        intake = now;
      }
      const lost = sent.sent - stored;
      if (lost === 0 && sent.errors === 0) highestZeroLoss = Math.max(highestZeroLoss, rate);
      rows.push([
        rate,
        Math.round(sent.sent / sent.seconds),
        sent.sent,
        received,
        stored,
        ((lost / sent.sent) * 100).toFixed(2),
        load.cpuPct.toFixed(0),
        mb(Math.max(load.peakRss, drain.peakRss)),
        drops,
      ]);
      console.log(`rate ${rate}/s: sent ${sent.sent}, stored ${stored}, agent drops: ${drops}`);
      await sleep(2000);
    }
    const after = agent.stats();
    console.log('');
    printTable(
      ['rate/s', 'achieved/s', 'sent', 'received', 'stored', 'lost %', 'CPU %', 'peak RSS MB', 'agent drops'],
      rows,
    );
    console.log(
      `\nidle RSS before load ${mb(idle.peakRss)} MB, after load ${mb(after?.rssBytes ?? 0)} MB ` +
        `(VmHWM ${mb(after?.peakRssBytes ?? 0)} MB); idle CPU ${idle.cpuPct.toFixed(1)} %`,
    );
    console.log(`highest rate with zero loss: ${highestZeroLoss > 0 ? `${highestZeroLoss}/s` : 'none'}`);
    console.log(
      `(CPU % over the send window, 100 = one core; ${availableParallelism()} cores; ` +
        `load average at start ${loadAtStart}, now ${loadNow()}: other processes compete for the same cores)`,
    );
  } finally {
    await agent?.stop('SIGTERM').catch(() => {});
    await influx.stop();
    removeAgentDir(dir);
  }
}

if (import.meta.main) await main();
