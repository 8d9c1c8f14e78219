/**
 * Memory under overload: engine log events at a rate the agent cannot keep up with (default
 * 60,000/s for 10 s), RSS sampled over time, against a real InfluxDB 1.x (`influx`) and
 * against a destination that accepts connections but stops answering (`hang`: the stand-in
 * of bench/influx-standin.ts, which never replies). Every half second the agent's /health
 * (web UI) is asked too, to show it stays responsive. At the end: what became of the events,
 * by reason: delivered, spooled, dropped by the queue or the spool (from /api/status), dropped
 * at UDP intake (from /metrics), and what the kernel dropped (sent minus received).
 *
 *   node bench/overload-rss.ts [--rate 60000] [--seconds 10] [--after 20] [--targets influx,hang]
 *     [--entry DIR/butler-sos.mjs] [--compare OTHER/butler-sos.mjs] [--memory-log]
 *     [--memory-queue-mb N]
 *
 * The agent runs the production build with bin/butler-sos.js's V8 flags and the default
 * delivery settings (spool on), or `delivery.memoryQueueMaxMB` as given; the web UI and
 * Prometheus endpoint are on (they add a few MB).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AgentProcess,
  destinationsOf,
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from '../test/support/agent-process.ts';
import { freePort, type PrivateService } from '../test/support/services.ts';
import { binNodeFlags } from './agent-cost.ts';
import { type InfluxStandIn, startInfluxStandIn } from './influx-standin.ts';
import {
  BENCH_DB,
  buildAgent,
  loadNow,
  mb,
  printTable,
  runSender,
  startBenchInfluxDb,
  udpCounters,
} from './udp-e2e.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  t: number;
  rss: number;
  healthMs: number;
}

async function healthMs(port: number): Promise<number> {
  const started = performance.now();
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
    await response.text();
    return response.ok ? performance.now() - started : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface RunResult {
  label: string;
  target: string;
  samples: Sample[];
  sent: number;
  received: number;
  udpDrops: Record<string, number>;
  queue: Record<string, unknown>;
}

/** The agent's own memory log (uptime monitor every 2 s): heap used/total, external, RSS. */
const MEMORY_LOG = {
  uptimeMonitor: {
    enable: true,
    frequency: 'every 2 seconds',
    logLevel: 'info',
    storeInInfluxdb: { butlerSOSMemoryUsage: false },
  },
};

async function runOnce(
  label: string,
  entry: string,
  target: string,
  rate: number,
  seconds: number,
  after: number,
  memoryLog: boolean,
  nodeArgs: string[],
  memoryQueueMB: number | undefined,
) {
  const dir = makeAgentDir();
  let influx: PrivateService | undefined;
  let standIn: InfluxStandIn | undefined;
  let agent: AgentProcess | undefined;
  try {
    let influxPort: number;
    if (target === 'influx') {
      influx = await startBenchInfluxDb();
      influxPort = influx.port;
    } else {
      standIn = await startInfluxStandIn({ database: BENCH_DB });
      influxPort = standIn.port;
    }
    const udpPort = await freeUdpPort();
    const webUiPort = await freePort();
    const promPort = await freePort();
    agent = await spawnAgent({
      dir,
      entry,
      webUiPort,
      nodeArgs: [...binNodeFlags(), ...nodeArgs],
      config: e2eConfig({
        logEventPort: udpPort,
        webUiPort,
        spoolDirectory: join(dir, 'spool'),
        ...(memoryQueueMB === undefined ? {} : { delivery: { memoryQueueMaxMB: memoryQueueMB } }),
        influx: { port: influxPort, dbName: BENCH_DB },
        extra: {
          prometheus: { enable: true, host: '127.0.0.1', port: promPort },
          ...(memoryLog ? MEMORY_LOG : {}),
        },
      }),
    });
    await sleep(2000);
    // The stand-in answers provisioning, then stops answering writes.
    standIn?.hang(true);
    const before = await udpCounters(promPort);
    const samples: Sample[] = [];
    const started = performance.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = (performance.now() - started) / 1000;
        const rss = agent.stats()?.rssBytes ?? 0;
        samples.push({ t, rss, healthMs: await healthMs(webUiPort) });
        await sleep(500);
      }
    })();
    const sent = await runSender(udpPort, rate, seconds);
    await sleep(after * 1000);
    sampling = false;
    await sampler;
    const now = await udpCounters(promPort);
    const udpDrops: Record<string, number> = {};
    for (const [reason, n] of Object.entries(now.dropped)) {
      const delta = n - (before.dropped[reason] ?? 0);
      if (delta > 0) udpDrops[reason] = delta;
    }
    if (process.env.OVERLOAD_HEAP_SNAPSHOT) {
      // With --node-arg=--heapsnapshot-signal=SIGUSR2: a heap snapshot of the agent now.
      process.kill(agent.pid, 'SIGUSR2');
      await sleep(8000);
    }
    if (memoryLog) {
      for (const line of agent.output().split('\n'))
        if (/Heap used|Mark-Compact/.test(line)) console.log(line.trim().slice(0, 200));
    }
    const influxStatus = destinationsOf(await agent.status()).find((d) => /influx/i.test(d.name)) ?? {};
    if (memoryLog) console.log(`status: ${JSON.stringify(influxStatus)}`);
    const result: RunResult = {
      label,
      target,
      samples,
      sent: sent.sent,
      received: now.received - before.received,
      udpDrops,
      queue: influxStatus,
    };
    return result;
  } finally {
    standIn?.hang(false);
    await agent?.stop('SIGTERM', 15_000).catch(() => {});
    await standIn?.close();
    await influx?.stop();
    removeAgentDir(dir);
  }
}

function report(r: RunResult, seconds: number): (string | number)[] {
  const peak = Math.max(...r.samples.map((s) => s.rss));
  const during = r.samples.filter((s) => s.t <= seconds + 1);
  const health = r.samples.map((s) => s.healthMs);
  const unanswered = health.filter((h) => Number.isNaN(h)).length;
  const q = r.queue as { delivered?: number; spooled?: number; dropped?: Record<string, number> };
  const drops = {
    ...(q.dropped ?? {}),
    ...Object.fromEntries(Object.entries(r.udpDrops).map(([k, v]) => [`udp_${k}`, v])),
  };
  return [
    r.label,
    r.target,
    r.sent,
    r.received,
    r.sent - r.received,
    q.delivered ?? 0,
    q.spooled ?? 0,
    Object.entries(drops)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-',
    mb(peak),
    mb(Math.max(...during.map((s) => s.rss))),
    mb(r.samples.at(-1)?.rss ?? 0),
    `${Math.max(...health.filter((h) => !Number.isNaN(h))).toFixed(0)}${unanswered ? ` (${unanswered} unanswered)` : ''}`,
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '60000' },
      seconds: { type: 'string', default: '10' },
      after: { type: 'string', default: '20' },
      targets: { type: 'string', default: 'influx,hang' },
      entry: { type: 'string' },
      compare: { type: 'string' },
      // The agent logs its heap and RSS every 2 s (uptime monitor), printed after each run.
      'memory-log': { type: 'boolean', default: false },
      // The memory budget of each delivery queue (default: the config's default, 32).
      'memory-queue-mb': { type: 'string' },
      // More Node options for the agent, e.g. --node-arg=--trace-gc (repeatable).
      'node-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const after = Number(values.after);
  const loadAtStart = loadNow();
  const buildDir = makeAgentDir();
  const entries: [string, string][] = [['A', values.entry ?? (await buildAgent(buildDir))]];
  if (values.compare) entries.push(['B', values.compare]);
  const results: RunResult[] = [];
  try {
    for (const target of values.targets.split(',')) {
      for (const [label, entry] of entries) {
        const r = await runOnce(
          label,
          entry,
          target,
          rate,
          seconds,
          after,
          values['memory-log'],
          values['node-arg'],
          values['memory-queue-mb'] === undefined ? undefined : Number(values['memory-queue-mb']),
        );
        results.push(r);
        console.log(`\n${label} ${target}: RSS MB over time (t s: MB, /health ms)`);
        console.log(
          r.samples
            .filter((_, i) => i % 2 === 0)
            .map(
              (s) =>
                `${s.t.toFixed(0)}:${mb(s.rss)}/${Number.isNaN(s.healthMs) ? 'x' : s.healthMs.toFixed(0)}`,
            )
            .join(' '),
        );
      }
    }
  } finally {
    removeAgentDir(buildDir);
  }
  console.log('');
  printTable(
    [
      'build',
      'target',
      'sent',
      'received',
      'kernel drops',
      'delivered',
      'spooled',
      'dropped by reason',
      'peak RSS MB',
      'peak while sending',
      'RSS at end',
      'max /health ms',
    ],
    results.map((r) => report(r, seconds)),
  );
  for (const [label, entry] of entries) console.log(`${label}: ${entry}`);
  console.log(
    `${rate}/s for ${seconds} s, then ${after} s; load average at start ${loadAtStart}, now ${loadNow()}`,
  );
}

if (import.meta.main) await main();
