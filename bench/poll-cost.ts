/**
 * Poll cost: CPU share of one core and memory of the Sense pollers for 10 and 100
 * simulated servers, each polled for its engine healthcheck and its proxy sessions on two
 * virtual proxies every 10 s (plus the QRS app list every 60 s), as in production.
 * The simulator runs in a child process so only the poller's own CPU is measured.
 *
 *   node bench/poll-cost.ts [--servers 10,100] [--window 60] [--interval 10000]
 *                           [--server-keepalive 0,120000] [--map]
 *
 * `--server-keepalive`: idle timeout of the simulated servers, in ms; 0 keeps Node's
 * default of 5 s, which closes connections between 10 s polls (every poll then needs a
 * TLS handshake, resumed from a cached session); 120000 models servers that keep idle
 * connections (HTTP.sys's default), where polls reuse open connections.
 * `--map`: also map every record to InfluxDB v2 points (counted in the CPU figure).
 *
 * Goal: 100 servers at most 2.5 % of one core (upstream v14: 6.5 % for 50).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/logging/logger.ts';
import { engineHealthToInflux } from '../src/mapping/engine-health.ts';
import { proxySessionsToInflux } from '../src/mapping/proxy-sessions.ts';
import { type SensePollRecord, startSensePolling } from '../src/sources/sense-polls/polling.ts';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '10,100' },
    window: { type: 'string', default: '60' },
    interval: { type: 'string', default: '10000' },
    map: { type: 'boolean', default: false },
    'server-keepalive': { type: 'string', default: '0,120000' },
  },
});
const serverCounts = values.servers.split(',').map(Number);
const windowMs = Number(values.window) * 1000;
const intervalMs = Number(values.interval);

interface SimInfo {
  servers: { serverName: string; engineHost: string; proxyHost: string; virtualProxies: string[] }[];
  qrsHost: string;
  certFiles: { clientCert: string; clientCertKey: string; clientCertCA: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const keepAlives = values['server-keepalive'].split(',').map(Number);

async function measure(count: number, serverKeepAliveMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'poll-bench-'));
  const child = fork(
    new URL('./poll-sim-child.ts', import.meta.url),
    [String(count), join(dir, 'certs'), String(serverKeepAliveMs)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const sim = await new Promise<SimInfo>((resolve, reject) => {
    child.once('message', (m) => resolve(m as SimInfo));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });

  const rssBaseline = process.memoryUsage().rss;
  let records = 0;
  let failed = 0;
  let points = 0;
  const influxCfg = {
    influxdbConfig: {
      enable: true,
      includeFields: { activeDocs: true, loadedDocs: true, inMemoryDocs: true },
    },
    appNames: { enableAppNameExtract: true },
  };
  const onRecord = (r: SensePollRecord) => {
    records++;
    if (r.kind === 'failed-poll') failed++;
    if (!values.map) return;
    if (r.kind === 'engine-health') points += engineHealthToInflux(r, 2, influxCfg).length;
    if (r.kind === 'proxy-sessions')
      points += proxySessionsToInflux(r, 2, { influxdbConfig: { enable: true } }).length;
  };
  const polling = startSensePolling({
    servers: sim.servers.map((s) => ({
      host: s.engineHost,
      serverName: s.serverName,
      serverDescription: s.serverName,
      userSessions: {
        enable: true,
        host: s.proxyHost,
        virtualProxies: s.virtualProxies.map((virtualProxy) => ({ virtualProxy })),
      },
      serverTags: null,
      headers: null,
    })),
    cert: sim.certFiles,
    pollingIntervalMs: intervalMs,
    rejectUnauthorized: true,
    userSessions: { enableSessionExtract: true, pollingInterval: intervalMs, excludeUser: null },
    appNames: { enableAppNameExtract: true, extractInterval: 60_000, hostIP: sim.qrsHost },
    onRecord,
    log: createLogger('warn'),
  });

  // Warm-up: the first round (polled at start) opens connections and loads certificates.
  await sleep(Math.min(intervalMs * 2, 20_000));
  const requestsBefore = polling.stats().client.requests;
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - t0;
  const stats = polling.stats();
  const requests = stats.client.requests - requestsBefore;
  const rss = process.memoryUsage();
  await polling.stop();
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });

  const cpuMs = (cpu.user + cpu.system) / 1000;
  const share = (cpuMs / elapsedMs) * 100;
  console.log(
    [
      `servers=${count}`,
      `serverKeepAlive=${serverKeepAliveMs === 0 ? '5000ms(default)' : `${serverKeepAliveMs}ms`}`,
      `interval=${intervalMs}ms`,
      `window=${(elapsedMs / 1000).toFixed(1)}s`,
      `requests=${requests} (${((requests / elapsedMs) * 1000).toFixed(1)}/s)`,
      `cpu=${share.toFixed(2)}% of one core`,
      `cpu/request=${(cpuMs / Math.max(1, requests)).toFixed(3)}ms`,
      `rss=${(rss.rss / 1048576).toFixed(1)}MB (+${((rss.rss - rssBaseline) / 1048576).toFixed(1)} over the process before polling)`,
      `heapUsed=${(rss.heapUsed / 1048576).toFixed(1)}MB`,
      `records=${records}`,
      `failedPolls=${failed}`,
      `agents=${stats.client.agentsCreated}`,
      `certLoads=${stats.client.certificateLoads}`,
      `tls=${stats.client.tlsConnections} (resumed ${stats.client.tlsResumed})`,
      ...(values.map ? [`influxPoints=${points}`] : []),
      `skippedTicks=${Object.values(stats.jobs).reduce((n, j) => n + j.skippedTicks, 0)}`,
    ].join('  '),
  );
}

for (const keepAlive of keepAlives) for (const count of serverCounts) await measure(count, keepAlive);
