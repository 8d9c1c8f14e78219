/**
 * The agent's own CPU cost per event, per datagram kind, with nothing else in the way: the
 * agent (production build, run with the V8 flags of bin/butler-sos.js) takes UDP datagrams
 * at a fixed rate and writes them to a stand-in InfluxDB 1.x that discards every write
 * (bench/influx-standin.ts), so InfluxDB's own CPU is out of the figure.
 *
 *   node bench/agent-cost.ts [--rate 10000] [--seconds 5] [--repeat 3]
 *     [--kinds engine,proxy,repository,scheduler,qixPerf,user] [--entry DIR/butler-sos.mjs]
 *     [--compare OTHER/butler-sos.mjs] [--batch 1000]
 *     [--node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/prof] [--disk-first]
 *
 * `--disk-first` sets `delivery.diskFirst` (every record through the disk spool), to measure
 * what that mode costs.
 *
 * For each kind: the agent's utime+stime (from /proc) from the first datagram until the
 * stand-in has received every event's line, minus the idle CPU for the same time, divided by
 * the events sent. That is socket → parse → map → line protocol → queue → HTTP write, all
 * of it. The same figure is split (without the idle correction) into the main thread's user
 * and kernel time and the other threads' (V8's background GC and compiler, libuv's pool). The config is the defaults plus every log source, the engine performance monitor
 * (all apps), user events, and InfluxDB v1 (batches of `maxBatchSize`, default 1000).
 *
 * `--entry` runs another build instead of the current sources' (scripts/build.ts --out DIR);
 * `--compare` runs a second one beside it (e.g. one made before a change), each kind measured
 * on one then the other, round after round, so both see the same machine. The figures are
 * CPU time, not throughput: they hold on a busy machine better than wall-clock rates, but
 * other processes still disturb caches, so each row gives the best round and the median,
 * and the load average is printed with them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AgentProcess,
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from '../test/support/agent-process.ts';
import { type InfluxStandIn, startInfluxStandIn } from './influx-standin.ts';
import { cpuOf, sleep } from './support.ts';
import { buildAgent, loadNow, mb, printTable, runSender } from './udp-e2e.ts';
import { SENDER_KINDS } from './udp-sender.ts';

const DB = 'bench_cost';

/** The V8 flags bin/butler-sos.js runs with (its shebang line), so the bench runs what users run. */
export function binNodeFlags(): string[] {
  const bin = readFileSync(new URL('../bin/butler-sos.js', import.meta.url), 'utf8');
  const shebang = bin.split('\n', 1)[0] ?? '';
  return shebang.split(' ').filter((word) => word.startsWith('--'));
}

/** Every log source, the performance monitor on all apps, user events; InfluxDB v1 at `port`. */
export function costConfig(options: {
  dir: string;
  logPort: number;
  userPort: number;
  influxPort: number;
  maxBatchSize: number;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const on = { enable: true };
  return e2eConfig({
    logEventPort: options.logPort,
    spoolDirectory: join(options.dir, 'spool'),
    influx: { port: options.influxPort, dbName: DB, maxBatchSize: options.maxBatchSize },
    extra: {
      logEvents: {
        source: { engine: on, proxy: on, repository: on, scheduler: on, qixPerf: on },
        enginePerformanceMonitor: { enable: true, monitorFilter: { allApps: { enable: true } } },
      },
      userEvents: {
        enable: true,
        udpServerConfig: { serverHost: '127.0.0.1', portUserActivityEvents: options.userPort },
        sendToInfluxdb: on,
      },
      ...options.extra,
    },
  });
}

/** CPU seconds by where they were spent: the main thread in user and kernel mode, and other threads. */
export interface CpuSplit {
  mainUser: number;
  mainSystem: number;
  others: number;
}

/** The split of `pid`'s CPU so far, from /proc/PID/task/TID/stat (Linux). */
export function cpuSplit(pid: number): CpuSplit {
  const split: CpuSplit = { mainUser: 0, mainSystem: 0, others: 0 };
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return split;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const user = Number(fields[11]) / 100;
      const system = Number(fields[12]) / 100;
      if (Number(tid) === pid) {
        split.mainUser += user;
        split.mainSystem += system;
      } else split.others += user + system;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return split;
}

interface CostAgent {
  label: string;
  agent: AgentProcess;
  standIn: InfluxStandIn;
  logPort: number;
  userPort: number;
  idleCpuPerSecond: number;
}

interface KindCost {
  kind: string;
  bytes: number;
  sent: number;
  written: number;
  /** CPU µs per event, idle subtracted, and its split (not corrected for idle). */
  us: number;
  mainUser: number;
  mainSystem: number;
  others: number;
  peakRss: number;
}

async function startCostAgent(
  label: string,
  entry: string,
  nodeArgs: string[],
  batch: number,
  echo: boolean,
  extra?: Record<string, unknown>,
) {
  const dir = makeAgentDir();
  const standIn = await startInfluxStandIn({ database: DB });
  const logPort = await freeUdpPort();
  const userPort = await freeUdpPort();
  const agent = await spawnAgent({
    dir,
    entry,
    nodeArgs,
    echo,
    config: costConfig({ dir, logPort, userPort, influxPort: standIn.port, maxBatchSize: batch, extra }),
  });
  console.log(`${label}: agent pid ${agent.pid}: node ${nodeArgs.join(' ')} ${entry}`);
  return { label, agent, standIn, logPort, userPort, idleCpuPerSecond: 0, dir };
}

/** Idle CPU over 4 s (subtracted from the figures) and idle RSS. */
async function measureIdle(a: CostAgent): Promise<void> {
  const from = cpuOf(a.agent.pid);
  const started = performance.now();
  await sleep(4000);
  a.idleCpuPerSecond = (cpuOf(a.agent.pid) - from) / ((performance.now() - started) / 1000);
  const rss = a.agent.stats()?.rssBytes ?? 0;
  console.log(`${a.label}: idle RSS ${mb(rss)} MB, CPU ${(a.idleCpuPerSecond * 100).toFixed(2)} %`);
}

async function measureKind(a: CostAgent, kind: string, rate: number, seconds: number): Promise<KindCost> {
  const pid = a.agent.pid;
  const linesBefore = a.standIn.lines();
  const splitBefore = cpuSplit(pid);
  const cpuBefore = cpuOf(pid);
  const started = performance.now();
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, a.agent.stats()?.rssBytes ?? 0);
  }, 100);
  const sent = await runSender(kind === 'user' ? a.userPort : a.logPort, rate, seconds, kind);
  // Everything sent has been written (or nothing more arrives for 3 s: some was lost).
  let lastLines = -1;
  let still = 0;
  while (a.standIn.lines() - linesBefore < sent.sent && still < 30) {
    still = a.standIn.lines() === lastLines ? still + 1 : 0;
    lastLines = a.standIn.lines();
    await sleep(100);
  }
  clearInterval(rssTimer);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuOf(pid) - cpuBefore - a.idleCpuPerSecond * elapsed;
  const splitAfter = cpuSplit(pid);
  const perEvent = (cpuSeconds: number) => (cpuSeconds / sent.sent) * 1e6;
  return {
    kind,
    bytes: sent.averageBytes,
    sent: sent.sent,
    written: a.standIn.lines() - linesBefore,
    us: perEvent(cpu),
    mainUser: perEvent(splitAfter.mainUser - splitBefore.mainUser),
    mainSystem: perEvent(splitAfter.mainSystem - splitBefore.mainSystem),
    others: perEvent(splitAfter.others - splitBefore.others),
    peakRss,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** One row per agent and kind: the best round (least disturbed) and the median of the rounds. */
function summaryRows(label: string, costs: KindCost[], kinds: string[], rate: number) {
  return kinds.map((kind) => {
    const rounds = costs.filter((c) => c.kind === kind);
    const best = rounds.reduce((x, y) => (y.us < x.us ? y : x));
    return [
      label,
      kind,
      best.bytes,
      best.sent,
      Math.min(...rounds.map((c) => c.written)),
      best.us.toFixed(1),
      median(rounds.map((c) => c.us)).toFixed(1),
      best.mainUser.toFixed(1),
      best.mainSystem.toFixed(1),
      best.others.toFixed(1),
      ((best.us * rate) / 1e4).toFixed(0),
      mb(Math.max(...rounds.map((c) => c.peakRss))),
    ];
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '5' },
      repeat: { type: 'string', default: '3' },
      kinds: { type: 'string', default: SENDER_KINDS.join(',') },
      batch: { type: 'string', default: '1000' },
      entry: { type: 'string' },
      // Another build to measure in the same run, round by round with the first (A/B).
      compare: { type: 'string' },
      'node-arg': { type: 'string', multiple: true, default: [] },
      echo: { type: 'boolean', default: false },
      'disk-first': { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  const extra = values['disk-first'] ? { delivery: { diskFirst: true } } : undefined;
  const seconds = Number(values.seconds);
  const kinds = values.kinds.split(',');
  const loadAtStart = loadNow();
  const buildDir = makeAgentDir();
  const nodeArgs = [...binNodeFlags(), ...values['node-arg']];
  const entries: [string, string][] = [['A', values.entry ?? (await buildAgent(buildDir))]];
  if (values.compare) entries.push(['B', values.compare]);
  const agents: (CostAgent & { dir: string })[] = [];
  try {
    for (const [label, entry] of entries)
      agents.push(await startCostAgent(label, entry, nodeArgs, Number(values.batch), values.echo, extra));
    await sleep(3000);
    for (const a of agents) await measureIdle(a);
    // Warm-up, unmeasured: every kind once, so that the first measured kind is not the one
    // that pays for compiling the shared path.
    for (const a of agents)
      for (const kind of kinds) await runSender(kind === 'user' ? a.userPort : a.logPort, rate, 1, kind);
    await sleep(3000);

    const costs = new Map<string, KindCost[]>(agents.map((a) => [a.label, []]));
    for (let round = 0; round < Number(values.repeat); round++) {
      for (const kind of kinds) {
        for (const a of agents) {
          const cost = await measureKind(a, kind, rate, seconds);
          costs.get(a.label)!.push(cost);
          console.log(
            `${a.label} ${kind}: ${cost.us.toFixed(1)} µs/event (written ${cost.written}/${cost.sent})`,
          );
          await sleep(1500);
        }
      }
    }
    console.log('');
    printTable(
      [
        'build',
        'kind',
        'bytes',
        'sent',
        'written',
        'CPU µs/event (best)',
        '(median)',
        'main user',
        'main kernel',
        'other threads',
        'CPU % at rate',
        'peak RSS MB',
      ],
      agents.flatMap((a) => summaryRows(a.label, costs.get(a.label)!, kinds, rate)),
    );
    for (const [label, entry] of entries) console.log(`${label}: ${entry}`);
    console.log(
      `\n${rate} events/s for ${seconds} s per kind, ${values.repeat} rounds; idle CPU subtracted (the split is not); ` +
        `load average at start ${loadAtStart}, now ${loadNow()} (2 cores shared with other work: compare A/B runs made together)`,
    );
  } finally {
    for (const a of agents) {
      await a.agent.stop('SIGTERM');
      await a.standIn.close();
      removeAgentDir(a.dir);
    }
    removeAgentDir(buildDir);
  }
}

if (import.meta.main) await main();
