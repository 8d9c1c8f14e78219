/**
 * Many sites into one store: N simulated Sense sites, each watched by its own agent process
 * (the production build, as bin/butler-sos.js runs it; `--sources` runs the .ts sources),
 * all pushing with remote write into one private VictoriaMetrics. Each site has its own
 * Sense servers (one simulator serves them all, each site's agent polls only its own) and
 * gets engine log events over UDP at a steady rate (counted by the agent as counters).
 *
 * Reports, over the measured window after a warm-up: each agent's CPU (utime+stime from
 * /proc, as a percentage of one core and as ms of CPU per minute) and RSS, VictoriaMetrics'
 * own CPU, the samples per second it ingested (its `vm_rows_inserted_total`), and the samples
 * per second stored per site (count_over_time over the window), with the machine's load.
 *
 *   node bench/sites-remote-write.ts [--sites 20] [--servers 3] [--seconds 60] [--warmup 15]
 *     [--poll-ms 5000] [--push-ms 5000] [--events 10] [--sources]
 */

import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { engineLogDatagram, longIso8601Date } from '../sim/datagrams.ts';
import { startSimulator } from '../sim/index.ts';
import { agentConfig } from '../test/support/agent-config.ts';
import {
  type AgentProcess,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  sampleProcess,
  spawnAgent,
} from '../test/support/agent-process.ts';
import { startPrivateVictoriaMetrics } from '../test/support/victoriametrics.ts';

const { values } = parseArgs({
  options: {
    sites: { type: 'string', default: '20' },
    servers: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    'poll-ms': { type: 'string', default: '5000' },
    'push-ms': { type: 'string', default: '5000' },
    events: { type: 'string', default: '10' },
    sources: { type: 'boolean', default: false },
  },
});
const sites = Number(values.sites);
const perSite = Number(values.servers);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const pollMs = Number(values['poll-ms']);
const pushMs = Number(values['push-ms']);
const eventsPerSecond = Number(values.events);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Site {
  name: string;
  agent: AgentProcess;
  logPort: number;
  dir: string;
}

async function vmRowsInserted(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = /^vm_rows_inserted_total\{type="promremotewrite"\} (\S+)$/m.exec(text);
  return Number(line?.[1] ?? 0);
}

async function storedPerSite(url: string, windowS: number): Promise<Map<string, number>> {
  const query = `sum by (site) (count_over_time({job="butler-sos"}[${windowS}s]))`;
  const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
    data: { result: { metric: { site: string }; value: [number, string] }[] };
  };
  return new Map(body.data.result.map((r) => [r.metric.site, Number(r.value[1])]));
}

async function main(): Promise<void> {
  const certDir = mkdtempSync(join(tmpdir(), 'bench-sites-'));
  const sim = await startSimulator({
    certDir,
    servers: sites * perSite,
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
    seed: 42,
  });
  const vm = await startPrivateVictoriaMetrics();
  const buildDir = mkdtempSync(join(tmpdir(), 'bench-sites-build-'));
  const entry = values.sources
    ? undefined
    : await (await import('../scripts/build.ts')).buildApp(join(buildDir, 'app'));
  const started: Site[] = [];
  const socket = createSocket('udp4');
  let sender: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < sites; i++) {
      const name = `site-${String(i + 1).padStart(2, '0')}`;
      const logPort = await freeUdpPort();
      const dir = makeAgentDir();
      const config = agentConfig({
        sim: { ...sim, servers: sim.servers.slice(i * perSite, (i + 1) * perSite) },
        destinations: {},
        pollingIntervalMs: pollMs,
        extra: {
          logLevel: 'warn',
          delivery: { spoolEnable: true, spoolDirectory: join(dir, 'spool'), flushIntervalMs: 1000 },
          logEvents: {
            udpServerConfig: { serverHost: '127.0.0.1', portLogEvents: logPort },
            source: { engine: { enable: true } },
          },
          remoteWrite: {
            enable: true,
            intervalMs: pushMs,
            instance: name,
            endpoints: [{ url: `${vm.url}/api/v1/write`, externalLabels: [{ name: 'site', value: name }] }],
          },
        },
      });
      const agent = await spawnAgent({
        config,
        dir,
        readyPattern: /UDP log_events: (listening|receive buffer smaller)/,
        nodeArgs: ['--max-semi-space-size=4'],
        ...(entry ? { entry } : {}),
      });
      started.push({ name, agent, logPort, dir });
    }
    // Steady log events to every site: a tenth of the per-second rate every 100 ms.
    let row = 0;
    sender = setInterval(() => {
      for (const site of started) {
        for (let k = 0; k < Math.max(1, Math.round(eventsPerSecond / 10)); k++) {
          row = (row % 9999) + 1;
          const text = engineLogDatagram({ rownum: row, isoDate: longIso8601Date(new Date()) });
          socket.send(Buffer.from(text), site.logPort, '127.0.0.1');
        }
      }
    }, 100);
    await sleep(warmup * 1000);
    const cpu0 = started.map((s) => sampleProcess(s.agent.pid)?.cpuSeconds ?? 0);
    const rows0 = await vmRowsInserted(vm.url);
    const vmCpu0 = sampleProcess(vm.pid() ?? 0)?.cpuSeconds ?? 0;
    const t0 = Date.now();
    const rss: number[][] = started.map(() => []);
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(1000);
      for (const [i, site] of started.entries()) {
        rss[i]?.push((sampleProcess(site.agent.pid)?.rssBytes ?? 0) / 2 ** 20);
      }
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const cpu1 = started.map((s) => sampleProcess(s.agent.pid)?.cpuSeconds ?? 0);
    const rows1 = await vmRowsInserted(vm.url);
    const vmCpuS = (sampleProcess(vm.pid() ?? 0)?.cpuSeconds ?? 0) - vmCpu0;
    const load = loadavg();
    await fetch(`${vm.url}/internal/force_flush`);
    const stored = await storedPerSite(vm.url, Math.floor(elapsedS));

    console.log(
      `${sites} sites × ${perSite} servers, polls every ${pollMs} ms, pushes every ${pushMs} ms, ` +
        `${eventsPerSecond} log events/s per site; ${elapsedS.toFixed(0)} s measured after ${warmup} s warm-up; ` +
        `${entry ? 'production build' : '.ts sources'}; ${availableParallelism()} CPUs, load ${load.map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log('site     | CPU % of a core | CPU ms/min | RSS MB (mean / max) | samples/s stored');
    let cpuSum = 0;
    started.forEach((s, i) => {
      const cpuS = (cpu1[i] ?? 0) - (cpu0[i] ?? 0);
      cpuSum += cpuS;
      const list = rss[i] ?? [];
      const mean = list.reduce((a, b) => a + b, 0) / Math.max(1, list.length);
      console.log(
        `${s.name}  | ${((100 * cpuS) / elapsedS).toFixed(2).padStart(15)} | ${((60_000 * cpuS) / elapsedS).toFixed(0).padStart(10)} | ` +
          `${mean.toFixed(1)} / ${Math.max(...list).toFixed(1)}`.padStart(19) +
          ` | ${((stored.get(s.name) ?? 0) / elapsedS).toFixed(1).padStart(16)}`,
      );
    });
    const storedAll = [...stored.values()].reduce((a, b) => a + b, 0);
    console.log(
      `all      | ${((100 * cpuSum) / elapsedS).toFixed(2).padStart(15)} | ${((60_000 * cpuSum) / elapsedS).toFixed(0).padStart(10)} |` +
        ` ${''.padStart(18)} | ${(storedAll / elapsedS).toFixed(1).padStart(16)}`,
    );
    console.log(
      `VictoriaMetrics ingested ${((rows1 - rows0) / elapsedS).toFixed(1)} samples/s (vm_rows_inserted_total) ` +
        `at ${((100 * vmCpuS) / elapsedS).toFixed(2)} % of a core`,
    );
  } finally {
    if (sender) clearInterval(sender);
    socket.close();
    await Promise.all(started.map((s) => s.agent.stop()));
    for (const s of started) removeAgentDir(s.dir);
    await vm.stop();
    await sim.stop();
    rmSync(certDir, { recursive: true, force: true });
    rmSync(buildDir, { recursive: true, force: true });
  }
}

await main();
