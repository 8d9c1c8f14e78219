/**
 * End to end against a real InfluxDB 1.x, with InfluxDB alone measured in the same run, so
 * the share of the cost that is the agent's is visible:
 *
 * 1. The line protocol: the agent (production build, bin/butler-sos.js's V8 flags) takes
 *    `--events` engine log events and writes them to a stand-in that keeps every request body
 *    (bench/influx-standin.ts): exactly the bodies the agent sends, batch by batch.
 * 2. InfluxDB alone: those bodies are posted to a private InfluxDB 1.x one after the other
 *    (one write in flight, as the agent does), as fast as it takes them: points/s and
 *    InfluxDB's CPU per point (utime+stime from /proc).
 * 3. The agent with InfluxDB: for each `--rates`, events over UDP for `--seconds`, then the
 *    stored rows counted; the CPU of the agent and of InfluxDB over the send and drain, per
 *    event, and what was lost.
 *
 *   node bench/influx-alone.ts [--events 50000] [--rates 10000,20000,30000] [--seconds 5]
 *     [--batch 1000] [--entry DIR/butler-sos.mjs]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from '../test/support/agent-process.ts';
import type { PrivateService } from '../test/support/services.ts';
import { binNodeFlags } from './agent-cost.ts';
import { startInfluxStandIn } from './influx-standin.ts';
import { cpuOf, sleep } from './support.ts';
import {
  BENCH_DB,
  buildAgent,
  loadNow,
  printTable,
  runSender,
  settledRows,
  startBenchInfluxDb,
} from './udp-e2e.ts';

/** The pid of the InfluxDB whose command line names its data folder. */
function influxPid(influx: PrivateService): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('influxd') && cmdline.includes(influx.dataDir)) return Number(entry);
    } catch {
      // The process ended meanwhile.
    }
  }
  throw new Error(`no influxd process found for ${influx.dataDir}`);
}

/** Step 1: the bodies the agent writes for `events` engine log events. */
async function agentBodies(entry: string, events: number, batch: number): Promise<Buffer[]> {
  const dir = makeAgentDir();
  const standIn = await startInfluxStandIn({ database: BENCH_DB, capture: true });
  const udpPort = await freeUdpPort();
  const agent = await spawnAgent({
    dir,
    entry,
    nodeArgs: binNodeFlags(),
    config: e2eConfig({
      logEventPort: udpPort,
      spoolDirectory: join(dir, 'spool'),
      influx: { port: standIn.port, dbName: BENCH_DB, maxBatchSize: batch },
    }),
  });
  try {
    const sent = await runSender(udpPort, 10_000, events / 10_000);
    for (let i = 0; i < 100 && standIn.lines() < sent.sent; i++) await sleep(100);
    if (standIn.lines() < sent.sent)
      throw new Error(`the stand-in got ${standIn.lines()} of ${sent.sent} lines`);
    return standIn.captured().slice();
  } finally {
    await agent.stop('SIGTERM');
    await standIn.close();
    removeAgentDir(dir);
  }
}

async function query(influx: PrivateService, q: string): Promise<void> {
  const response = await fetch(`${influx.url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q }),
  });
  if (!response.ok) throw new Error(`${q}: HTTP ${response.status}`);
  await response.text();
}

/** Step 2: InfluxDB alone taking the bodies, one write at a time. */
async function influxAlone(influx: PrivateService, pid: number, bodies: Buffer[]) {
  await query(influx, 'CREATE DATABASE bench_alone');
  const lines = bodies.reduce((n, body) => n + body.toString('latin1').split('\n').length, 0);
  const cpuBefore = cpuOf(pid);
  const started = performance.now();
  for (const body of bodies) {
    const response = await fetch(`${influx.url}/write?db=bench_alone&precision=ns`, { method: 'POST', body });
    if (response.status !== 204) throw new Error(`write: HTTP ${response.status}: ${await response.text()}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuOf(pid) - cpuBefore;
  return { lines, seconds, pointsPerSecond: lines / seconds, usPerPoint: (cpu / lines) * 1e6 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      rates: { type: 'string', default: '10000,20000,30000' },
      seconds: { type: 'string', default: '5' },
      batch: { type: 'string', default: '1000' },
      entry: { type: 'string' },
    },
  });
  const batch = Number(values.batch);
  const loadAtStart = loadNow();
  const buildDir = makeAgentDir();
  const entry = values.entry ?? (await buildAgent(buildDir));
  const influx = await startBenchInfluxDb();
  const agentDir = makeAgentDir();
  try {
    const pid = influxPid(influx);
    const bodies = await agentBodies(entry, Number(values.events), batch);
    const alone = await influxAlone(influx, pid, bodies);
    console.log(
      `InfluxDB alone: ${alone.lines} points in ${bodies.length} writes, ${alone.seconds.toFixed(2)} s: ` +
        `${Math.round(alone.pointsPerSecond)} points/s, InfluxDB CPU ${alone.usPerPoint.toFixed(1)} µs/point`,
    );

    const udpPort = await freeUdpPort();
    const agent = await spawnAgent({
      dir: agentDir,
      entry,
      nodeArgs: binNodeFlags(),
      config: e2eConfig({
        logEventPort: udpPort,
        spoolDirectory: join(agentDir, 'spool'),
        influx: { port: influx.port, dbName: BENCH_DB, maxBatchSize: batch },
      }),
    });
    const rows: (string | number)[][] = [];
    let storedSoFar = 0;
    try {
      await sleep(3000);
      for (const rate of values.rates.split(',').map(Number)) {
        const agentBefore = cpuOf(agent.pid);
        const influxBefore = cpuOf(pid);
        const started = performance.now();
        const sent = await runSender(udpPort, rate, Number(values.seconds));
        const total = await settledRows(agent, influx.url, BENCH_DB, { withStatus: false });
        const seconds = (performance.now() - started) / 1000;
        const stored = total - storedSoFar;
        storedSoFar = total;
        const agentCpu = cpuOf(agent.pid) - agentBefore;
        const influxCpu = cpuOf(pid) - influxBefore;
        rows.push([
          rate,
          sent.sent,
          stored,
          (((sent.sent - stored) / sent.sent) * 100).toFixed(2),
          ((agentCpu / sent.sent) * 1e6).toFixed(1),
          ((influxCpu / sent.sent) * 1e6).toFixed(1),
          ((agentCpu / (agentCpu + influxCpu)) * 100).toFixed(0),
          seconds.toFixed(1),
        ]);
        console.log(`rate ${rate}/s: sent ${sent.sent}, stored ${stored}`);
        await sleep(2000);
      }
    } finally {
      await agent.stop('SIGTERM');
    }
    console.log('');
    printTable(
      [
        'rate/s',
        'sent',
        'stored',
        'lost %',
        'agent CPU µs/event',
        'InfluxDB CPU µs/event',
        'agent share %',
        'send+drain s',
      ],
      [
        [
          'InfluxDB alone',
          alone.lines,
          alone.lines,
          '0',
          '-',
          alone.usPerPoint.toFixed(1),
          '-',
          alone.seconds.toFixed(1),
        ],
        ...rows,
      ],
    );
    console.log(
      `InfluxDB alone: ${Math.round(alone.pointsPerSecond)} points/s with one write in flight (batches of ${batch}); ` +
        `load average at start ${loadAtStart}, now ${loadNow()} (2 cores shared)`,
    );
  } finally {
    await influx.stop();
    removeAgentDir(agentDir);
    removeAgentDir(buildDir);
  }
}

if (import.meta.main) await main();
