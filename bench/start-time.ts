/**
 * Start time: from spawning the production command (the build, with bin/butler-sos.js's V8
 * flags) to its log-event UDP port being bound, read from /proc/net/udp (so the figure does
 * not depend on when a log line reaches us). The config is the e2e one (log events, InfluxDB
 * v1 to a port nobody listens on, spool), checked as every start checks it. Also the idle RSS
 * 3 s after the start, and, with --modules, which modules the agent process loaded.
 *
 *   node bench/start-time.ts [--runs 10] [--entry DIR/butler-sos.mjs] [--compare OTHER/butler-sos.mjs]
 *
 * Runs alternate between the builds (A/B), so both see the same machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import {
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  sampleProcess,
} from '../test/support/agent-process.ts';
import { freePort } from '../test/support/services.ts';
import { binNodeFlags } from './agent-cost.ts';
import { buildAgent, loadNow, mb, printTable } from './udp-e2e.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a UDP socket is bound to `port` (any address), per /proc/net/udp. */
function udpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    try {
      if (readFileSync(file, 'utf8').includes(hex)) return true;
    } catch {
      // No IPv6 table.
    }
  }
  return false;
}

interface StartRun {
  ms: number;
  idleRss: number;
}

async function startOnce(entry: string, dir: string): Promise<StartRun> {
  const port = await freeUdpPort();
  const configFile = join(dir, 'config.yaml');
  const config = e2eConfig({
    logEventPort: port,
    spoolDirectory: join(dir, 'spool'),
    influx: { port: await freePort(), dbName: 'start_time' },
  });
  writeFileSync(configFile, stringify(config));
  const started = performance.now();
  const child = spawn(process.execPath, [...binNodeFlags(), entry, '-c', configFile], {
    cwd: dir,
    stdio: 'ignore',
  });
  try {
    let ms = Number.NaN;
    while (performance.now() - started < 20_000 && child.exitCode === null) {
      if (udpBound(port)) {
        ms = performance.now() - started;
        break;
      }
      await sleep(2);
    }
    if (Number.isNaN(ms)) throw new Error(`the agent never bound UDP port ${port}`);
    await sleep(3000);
    const idleRss = (child.pid && sampleProcess(child.pid)?.rssBytes) || 0;
    return { ms, idleRss };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10' },
      entry: { type: 'string' },
      compare: { type: 'string' },
    },
  });
  const loadAtStart = loadNow();
  const buildDir = makeAgentDir();
  const entries: [string, string][] = [['A', values.entry ?? (await buildAgent(buildDir))]];
  if (values.compare) entries.push(['B', values.compare]);
  const runs = new Map<string, StartRun[]>(entries.map(([label]) => [label, []]));
  try {
    for (let i = 0; i < Number(values.runs); i++) {
      for (const [label, entry] of entries) {
        const dir = makeAgentDir();
        try {
          const run = await startOnce(entry, dir);
          runs.get(label)!.push(run);
          console.log(
            `${label} run ${i + 1}: ${run.ms.toFixed(0)} ms to UDP port, idle RSS ${mb(run.idleRss)} MB`,
          );
        } finally {
          removeAgentDir(dir);
        }
      }
    }
  } finally {
    removeAgentDir(buildDir);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  printTable(
    ['build', 'start to UDP port, ms (median)', '(best)', 'idle RSS MB (median)'],
    entries.map(([label]) => {
      const r = runs.get(label)!;
      return [
        label,
        median(r.map((x) => x.ms)).toFixed(0),
        Math.min(...r.map((x) => x.ms)).toFixed(0),
        mb(median(r.map((x) => x.idleRss))),
      ];
    }),
  );
  for (const [label, entry] of entries) console.log(`${label}: ${entry}`);
  console.log(`load average at start ${loadAtStart}, now ${loadNow()}`);
}

if (import.meta.main) await main();
