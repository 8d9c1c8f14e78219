/**
 * Disk spool benchmark, end to end: the agent (child process) ingesting engine log events over
 * UDP at fixed rates, for each rate
 *   1. memory path: InfluxDB up, records go straight through the memory queue;
 *   2. spool engaged: InfluxDB SIGKILLed, the memory queue fills (bound `--memory`) and the
 *      rest goes to the disk spool;
 *   3. replay: InfluxDB restarted with its data, the spool is written back.
 * Each phase reports what was lost (sent − stored, after everything settled), the agent's CPU
 * and peak RSS, and for the replay its throughput (points/s from the first replayed write to
 * the last; the wait for the next retry after the restart is shown apart).
 *
 *   node bench/spool-e2e.ts [--rates 5000,10000,25000] [--seconds 5] [--memory 10000] [--batch 5000]
 */
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
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
import { freePort } from '../test/support/services.ts';
import {
  BENCH_DB,
  influxDelivery,
  loadNow,
  logEventRows,
  mb,
  printTable,
  runSender,
  settledRows,
  startBenchInfluxDb,
  startSampling,
} from './udp-e2e.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes of all files under `dir` (the spool's disk use). */
async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '5000,10000,25000' },
      seconds: { type: 'string', default: '5' },
      memory: { type: 'string', default: '10000' },
      batch: { type: 'string', default: '5000' },
      echo: { type: 'boolean', default: false },
    },
  });
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const memoryQueueMax = Number(values.memory);
  const maxBatchSize = Number(values.batch);
  const loadAtStart = loadNow();

  const influx = await startBenchInfluxDb();
  const dir = makeAgentDir();
  const spoolDir = join(dir, 'spool');
  const udpPort = await freeUdpPort();
  const webUiPort = await freePort();
  let agent: AgentProcess | undefined;
  try {
    agent = await spawnAgent({
      dir,
      webUiPort,
      echo: values.echo,
      config: e2eConfig({
        logEventPort: udpPort,
        webUiPort,
        spoolDirectory: spoolDir,
        influx: { port: influx.port, dbName: BENCH_DB, maxBatchSize },
        delivery: { memoryQueueMax },
      }),
    });
    const running = agent;
    await running.waitForOutput(/CONFIG: InfluxDB .* is ready/, 20_000);
    console.log(
      `agent pid ${running.pid}; InfluxDB 1.x at ${influx.url}; batch ${maxBatchSize}; memoryQueueMax ${memoryQueueMax}; ` +
        `idle RSS ${mb(running.stats()?.rssBytes ?? 0)} MB`,
    );

    const rows: (string | number)[][] = [];
    let storedSoFar = 0;
    const settle = async () => {
      const total = await settledRows(running, influx.url, BENCH_DB, {
        withStatus: true,
        timeoutMs: 180_000,
      });
      const gained = total - storedSoFar;
      storedSoFar = total;
      return gained;
    };

    for (const rate of rates) {
      // 1. Memory path.
      let sampling = startSampling(running.pid);
      let sent = await runSender(udpPort, rate, seconds);
      let load = sampling.stop();
      let stored = await settle();
      rows.push(row('memory', rate, sent.sent, stored, load, '-', '-'));

      // 2. Spool engaged: destination down. The spool may write more slowly than records
      // arrive: what it has not taken yet waits in memory, so the phase lasts until the
      // spool's count stops growing ("caught up").
      await influx.kill('SIGKILL');
      const overflowedBefore = (await influxDelivery(running)).overflowed ?? 0;
      const sendStart = performance.now();
      sampling = startSampling(running.pid);
      const spoolSampling = startSampling(running.pid);
      sent = await runSender(udpPort, rate, seconds);
      load = sampling.stop();
      const sendEnd = performance.now();
      let during = await influxDelivery(running);
      let lastChangeAt = performance.now();
      while (performance.now() - lastChangeAt < 1500 && performance.now() - sendEnd < 120_000) {
        await sleep(250);
        const now = await influxDelivery(running);
        if ((now.overflowed ?? 0) !== (during.overflowed ?? 0)) lastChangeAt = performance.now();
        during = now;
      }
      const spoolPhase = spoolSampling.stop();
      const spooledNow = (during.overflowed ?? 0) - overflowedBefore;
      const spoolSeconds = (lastChangeAt - sendStart) / 1000;
      const spoolBytes = await diskBytes(spoolDir);
      const spoolSummary =
        `${spooledNow} in ${spoolSeconds.toFixed(1)} s = ${Math.round(spooledNow / spoolSeconds)}/s, ` +
        `caught up ${Math.max(0, (lastChangeAt - sendEnd) / 1000).toFixed(1)} s after the send; ` +
        `${mb(spoolBytes)} MB on disk; peak RSS ${mb(spoolPhase.peakRss)} MB`;

      // 3. Replay: destination back. Timed from the first point written after the restart to
      // the last (the wait for the delivery layer's next retry is reported apart).
      const restartedAt = performance.now();
      await influx.restart();
      const before = await logEventRows(influx.url, BENCH_DB).catch(() => storedSoFar);
      let last = before;
      let firstWriteAt: number | undefined;
      let lastIncreaseAt = restartedAt;
      let replaySampling: ReturnType<typeof startSampling> | undefined;
      while (performance.now() - restartedAt < 180_000) {
        const now = await logEventRows(influx.url, BENCH_DB).catch(() => last);
        if (now > last) {
          if (firstWriteAt === undefined) {
            firstWriteAt = performance.now();
            replaySampling = startSampling(running.pid);
          }
          lastIncreaseAt = performance.now();
          last = now;
        } else if (firstWriteAt !== undefined && performance.now() - lastIncreaseAt > 1000) {
          const d = await influxDelivery(running);
          if ((d.queued ?? 0) + (d.inFlight ?? 0) + (d.spooled ?? 0) === 0) break;
        }
        await sleep(100);
      }
      const replay = replaySampling?.stop() ?? { cpuPct: 0, peakRss: 0 };
      stored = await settle();
      const replaySeconds = Math.max(0.001, (lastIncreaseAt - (firstWriteAt ?? restartedAt)) / 1000);
      const replayed = last - before;
      rows.push(
        row(
          'spool',
          rate,
          sent.sent,
          stored,
          load,
          spoolSummary,
          `${replayed} in ${replaySeconds.toFixed(1)} s = ${Math.round(replayed / replaySeconds)}/s, ` +
            `${replay.cpuPct.toFixed(0)} % CPU, ${mb(replay.peakRss)} MB ` +
            `(first write ${(((firstWriteAt ?? restartedAt) - restartedAt) / 1000).toFixed(1)} s after restart)`,
        ),
      );
      const dropped = Object.entries(during.dropped ?? {}).filter(([, n]) => n > 0);
      console.log(
        `rate ${rate}/s: memory path and spool done` +
          (dropped.length > 0 ? `; agent dropped ${JSON.stringify(Object.fromEntries(dropped))}` : ''),
      );
      await sleep(2000);
    }

    console.log('');
    printTable(
      [
        'path',
        'rate/s',
        'sent',
        'stored',
        'lost %',
        'CPU %',
        'peak RSS MB',
        'spool writes (records, rate, lag)',
        'replay',
      ],
      rows,
    );
    const after = running.stats();
    console.log(
      `\nafter the run: RSS ${mb(after?.rssBytes ?? 0)} MB (VmHWM ${mb(after?.peakRssBytes ?? 0)} MB). ` +
        `CPU % over the send window, 100 = one core; ${availableParallelism()} cores; ` +
        `load average at start ${loadAtStart}, now ${loadNow()}.`,
    );
  } finally {
    await agent?.stop('SIGTERM').catch(() => {});
    await influx.stop();
    removeAgentDir(dir);
  }
}

function row(
  path: string,
  rate: number,
  sent: number,
  stored: number,
  load: { cpuPct: number; peakRss: number },
  spooled: string,
  replay: string,
): (string | number)[] {
  return [
    path,
    rate,
    sent,
    stored,
    (((sent - stored) / sent) * 100).toFixed(2),
    load.cpuPct.toFixed(0),
    mb(load.peakRss),
    spooled,
    replay,
  ];
}

if (import.meta.main) await main();
