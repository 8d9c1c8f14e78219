/**
 * Audit API benchmark, end to end: Audit.qs envelopes posted over HTTP (keep-alive, like a
 * browser) → the agent (a child process; the production build by default, `--sources` runs
 * src/cli/launch.ts) → journal (fsync per group) → a private InfluxDB 1.x and QVD files. For each
 * rate the sender posts for a few seconds; then the `audit_event` points are counted until all
 * events answered 202 are stored. Prints events accepted and stored per second, the agent's
 * CPU (utime+stime from /proc) per 1000 events and in % of one core, and its peak RSS.
 * `--max` adds a closed-loop run: `--concurrency` requests in flight, as fast as answered.
 *
 * `--profile DIR` writes the agent's V8 CPU profile there (summarise with bench/profile-summary.ts).
 *
 *   node bench/audit-api.ts [--rates 200,1000,2000] [--seconds 8] [--max] [--concurrency 32] [--sources] [--profile DIR]
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { makeAgentDir, removeAgentDir, sampleProcess, spawnAgent } from '../test/support/agent-process.ts';
import { auditAgentSettings } from '../test/support/audit-agent-settings.ts';
import { viewEnvelope } from '../test/support/audit-envelopes.ts';
import { freePort, queryInflux } from '../test/support/services.ts';
import { buildAgent, loadNow, mb, printTable, startBenchInfluxDb } from './udp-e2e.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '200,1000,2000' },
    seconds: { type: 'string', default: '8' },
    max: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '32' },
    sources: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});

const DB = 'bench_audit';
const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/audit-event',
        method: 'POST',
        agent: keepAlive,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: 'Bearer bench-token',
          'x-audit-qs-version': '0.4.0',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

let sequence = 0;
/** A realistic view event (~900 bytes), each with its own id and time. */
function nextBody(): string {
  const base = Date.now() - 60_000;
  return JSON.stringify(
    viewEnvelope({ eventId: randomUUID(), timestamp: new Date(base + (sequence++ % 60_000)).toISOString() }),
  );
}

interface SendResult {
  accepted: number;
  other: number;
  seconds: number;
}

/** Open loop: `rate` posts per second for `seconds`. */
async function sendAtRate(port: number, rate: number, seconds: number): Promise<SendResult> {
  let accepted = 0;
  let other = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
    for (let i = 0; i < due; i++, sent++) {
      pending.push(post(port, nextBody()).then((status) => void (status === 202 ? accepted++ : other++)));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(pending);
  return { accepted, other, seconds: (performance.now() - started) / 1000 };
}

/** Closed loop: `concurrency` requests in flight for `seconds`. */
async function sendMax(port: number, concurrency: number, seconds: number): Promise<SendResult> {
  let accepted = 0;
  let other = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        if ((await post(port, nextBody())) === 202) accepted++;
        else other++;
      }
    }),
  );
  return { accepted, other, seconds: (performance.now() - started) / 1000 };
}

async function storedPoints(url: string): Promise<number> {
  const series = await queryInflux(url, DB, 'SELECT count(durationMs) FROM audit_event').catch(() => []);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

async function main(): Promise<void> {
  const rates = String(values.rates).split(',').map(Number);
  const seconds = Number(values.seconds);
  const influx = await startBenchInfluxDb();
  const dir = makeAgentDir();
  const entry = values.sources ? undefined : await buildAgent(dir);
  const port = await freePort();
  const config = {
    'Butler-SOS': auditAgentSettings({
      port,
      influxUrl: influx.url,
      db: DB,
      dir,
      apiToken: 'bench-token',
      queueSize: 5000,
      qvdWriteFrequency: 5000,
    }),
  };
  const agent = await spawnAgent({
    config,
    dir,
    readyPattern: /AUDIT API: Listening on/,
    nodeArgs: [
      '--max-semi-space-size=4',
      ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
    ],
    ...(entry ? { entry } : {}),
  });
  const rows: (string | number)[][] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = sampleProcess(agent.pid)!;
    console.log(
      `agent ${entry ? 'production build' : 'sources'}; idle RSS ${mb(idle.rssBytes)} MB; load ${loadNow()}`,
    );
    const runs: [string, () => Promise<SendResult>][] = rates.map((rate) => [
      `${rate}/s`,
      () => sendAtRate(port, rate, seconds),
    ]);
    if (values.max)
      runs.push([
        `max (${values.concurrency} in flight)`,
        () => sendMax(port, Number(values.concurrency), seconds),
      ]);
    let storedBefore = await storedPoints(influx.url);
    for (const [label, send] of runs) {
      const before = sampleProcess(agent.pid)!;
      let peak = before.rssBytes;
      const sampler = setInterval(() => {
        const s = sampleProcess(agent.pid);
        if (s && s.rssBytes > peak) peak = s.rssBytes;
      }, 100);
      const startedAt = performance.now();
      const sent = await send();
      let stored = await storedPoints(influx.url);
      while (stored - storedBefore < sent.accepted && performance.now() - startedAt < 120_000) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        stored = await storedPoints(influx.url);
      }
      const storedSeconds = (performance.now() - startedAt) / 1000;
      clearInterval(sampler);
      const after = sampleProcess(agent.pid)!;
      const cpu = after.cpuSeconds - before.cpuSeconds;
      rows.push([
        label,
        sent.accepted,
        sent.other,
        stored - storedBefore,
        Math.round(sent.accepted / sent.seconds),
        Math.round((stored - storedBefore) / storedSeconds),
        ((cpu * 1_000_000) / Math.max(1, sent.accepted)).toFixed(0),
        ((cpu / storedSeconds) * 100).toFixed(0),
        mb(Math.max(peak, after.rssBytes)),
      ]);
      storedBefore = stored;
    }
  } finally {
    await agent.stop('SIGTERM');
    await influx.stop();
    removeAgentDir(dir);
    keepAlive.destroy();
  }
  printTable(
    [
      'run',
      '202',
      'other',
      'stored',
      'accepted/s',
      'stored/s',
      'agent CPU µs/event',
      'agent CPU %',
      'peak RSS MB',
    ],
    rows,
  );
  console.log(`load after: ${loadNow()}`);
}

if (import.meta.main) await main();
