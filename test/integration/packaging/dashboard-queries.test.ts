/**
 * The dashboards' queries, run by the real services on data that went through the agent's
 * own chain. InfluxDB 1.x: simulator datagrams -> parsers -> mapping -> line protocol, and
 * engine health / proxy session records -> mapping; every query must be valid InfluxQL and
 * the health, session, user and log panels must return the data written. Prometheus: the
 * same records -> mapping -> Prometheus sink -> metrics server, scraped by the shared
 * Prometheus; every expression must be valid PromQL and return our series.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_FILES } from '../../../packaging/grafana/dashboards.ts';
import {
  engineLogDatagram,
  proxyLogDatagram,
  qixPerfDatagram,
  schedulerLogDatagram,
  userConnectionDatagram,
  userSessionDatagram,
} from '../../../sim/datagrams.ts';
import { encodeLines } from '../../../src/destinations/influxdb/line-protocol.ts';
import {
  type MetricsServer,
  startMetricsServer,
} from '../../../src/destinations/prometheus/metrics-server.ts';
import { createPrometheusSink } from '../../../src/destinations/prometheus/prometheus-sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { engineHealthToInflux, engineHealthToPrometheus } from '../../../src/mapping/engine-health.ts';
import { logEventToInflux } from '../../../src/mapping/log-event.ts';
import { proxySessionsToInflux, proxySessionsToPrometheus } from '../../../src/mapping/proxy-sessions.ts';
import type { InfluxPoint } from '../../../src/mapping/shapes.ts';
import { userEventToInflux } from '../../../src/mapping/user-event.ts';
import type { EngineHealthRecord } from '../../../src/records/engine-health.ts';
import type { ProxySessionsRecord } from '../../../src/records/proxy-sessions.ts';
import { serverIdentity } from '../../../src/records/server.ts';
import { parseLogEventDatagram } from '../../../src/sources/log-events/parse.ts';
import { parseUserEventDatagram } from '../../../src/sources/user-events/parse.ts';
import {
  type PrometheusScrapeTarget,
  queryInflux,
  queryPrometheus,
  scrapeByPrometheus,
  sharedServices,
  uniqueName,
  waitFor,
} from '../../support/services.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Unique per run: the shared Prometheus also holds other tests' series.
const RUN = uniqueName('dash');
const SERVERS = [`Central node ${RUN}`, `Rim node ${RUN}`];

let url: string;
let db: string;
let metricsServer: MetricsServer | undefined;
let scrape: PrometheusScrapeTarget | undefined;

async function influx(path: string, params: Record<string, string>, body?: string): Promise<void> {
  const target = new URL(path, url);
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  const response = await fetch(target, { method: 'POST', ...(body === undefined ? {} : { body }) });
  if (!response.ok) throw new Error(`${path} ${response.status}: ${await response.text()}`);
}

function healthRecord(index: number, timeMs: number): EngineHealthRecord {
  const docs = (ids: string[]) => ({ ids, names: ids.map((id) => `App ${id.slice(0, 4)}`), sessionApps: [] });
  return {
    kind: 'engine-health',
    timeMs,
    server: serverIdentity({
      host: `sense${index + 1}.example.com:4747`,
      serverName: `sense${index + 1}`,
      serverDescription: SERVERS[index]!,
      serverTags: { qs_env: 'production' },
    }),
    version: '14.173.3',
    started: '20241101T053044.812Z',
    uptime: '3 days, 4h 05m 06s',
    mem: { committed: 4000 + index, allocated: 5000, free: 12000 - index, totalPhysical: undefined },
    cpu: { total: 7 + index },
    session: { active: 3, total: 5 },
    apps: {
      activeDocs: docs(['5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301']),
      loadedDocs: docs(['5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301']),
      inMemoryDocs: docs(['5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301', 'b43f9a27-6c15-4e80-a1d9-2f7e6c0b9a54']),
      calls: 1000 + timeMs / 1000,
      selections: 200,
    },
    users: { active: 2, total: 4 },
    cache: { hits: 80, lookups: 100, added: 5, replaced: 1, bytesAdded: 2048 },
    saturated: false,
  };
}

function sessionsRecord(index: number, virtualProxy: string, timeMs: number): ProxySessionsRecord {
  const server = healthRecord(index, timeMs).server;
  return {
    kind: 'proxy-sessions',
    timeMs,
    server,
    virtualProxy,
    userSessionHost: `sense${index + 1}.example.com:4243`,
    sessionCount: 2,
    uniqueUsers: ['NORTHWIND\\lina.berg', 'NORTHWIND\\okafor'],
    sessions: [
      { sessionId: '4eb7b0dd-b892-41a6-805a-43255831e559', userDirectory: 'NORTHWIND', userId: 'lina.berg' },
      { sessionId: '9e4c1a06-2d7b-4f58-b3a9-5c8e0f6d2a71', userDirectory: 'NORTHWIND', userId: 'okafor' },
    ],
    raw: [],
  };
}

before(async () => {
  url = sharedServices().influxdbUrl;
  db = uniqueName('dashboards');
  await influx('/query', { q: `CREATE DATABASE "${db}"` });

  const now = Date.now();
  const points: InfluxPoint[] = [];
  for (const minutesAgo of [10, 5, 1]) {
    const t = now - minutesAgo * 60_000;
    for (const i of [0, 1]) {
      points.push(
        ...engineHealthToInflux(healthRecord(i, t), 1, {
          influxdbConfig: {
            enable: true,
            includeFields: { activeDocs: true, loadedDocs: true, inMemoryDocs: true },
          },
          appNames: { enableAppNameExtract: true },
        }),
      );
      for (const vp of ['/', '/hdr']) {
        points.push(
          ...proxySessionsToInflux(sessionsRecord(i, vp, t), 1, { influxdbConfig: { enable: true } }),
        );
      }
    }
  }
  const opts = { receivedAtMs: now - 120_000, timeNsOffset: 0 };
  for (const text of [
    userSessionDatagram(),
    userSessionDatagram({ command: 'Stop session', message: "Stop session for user 'NORTHWIND\\lina.berg'" }),
    userConnectionDatagram({
      message:
        "Websocket connection Opened for session 'x' UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'",
    }),
  ]) {
    const parsed = parseUserEventDatagram(text, opts);
    assert.ok(parsed.ok, text);
    points.push(userEventToInflux(parsed.event, 1, {}));
  }
  for (const text of [
    engineLogDatagram(),
    proxyLogDatagram(),
    schedulerLogDatagram(),
    qixPerfDatagram(),
    qixPerfDatagram({ method: 'Doc::GetAppLayout', objectType: 'AppLayout', processTime: 12.5 }),
  ]) {
    const parsed = parseLogEventDatagram(text, opts);
    assert.ok(parsed.ok, text);
    points.push(logEventToInflux(parsed.event, 1, {}));
  }
  await influx('/write', { db, precision: 'ns' }, encodeLines(points).join('\n'));

  const sink = createPrometheusSink({ log: createRecordingLogger(), collectDefaultMetrics: false });
  for (const i of [0, 1]) {
    const health = engineHealthToPrometheus(healthRecord(i, now));
    sink.publish(health.scope, health.samples);
    for (const vp of ['/', '/hdr']) {
      const sessions = proxySessionsToPrometheus(sessionsRecord(i, vp, now));
      sink.publish(sessions.scope, sessions.samples);
    }
  }
  metricsServer = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    sink,
    log: createRecordingLogger(),
  });
  scrape = await scrapeByPrometheus(`127.0.0.1:${metricsServer.port}`, { suite: 'packaging-dashboards' });
});

after(async () => {
  if (db) await influx('/query', { q: `DROP DATABASE "${db}"` }).catch(() => undefined);
  await scrape?.remove();
  await metricsServer?.close();
});

/** What Grafana does to a query before sending it. */
function interpolate(query: string): string {
  return query
    .replaceAll('$timeFilter', 'time > now() - 1h')
    .replaceAll('$__interval', '1m')
    .replaceAll('$server', `(${SERVERS.join('|')})`);
}

function dashboardQueries(): { title: string; query: string }[] {
  const file = DASHBOARD_FILES.find((f) => f.path.includes('influxdb'))!;
  const dashboard = JSON.parse(readFileSync(join(ROOT, file.path), 'utf8')) as {
    panels: { title: string; targets?: { query: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, query: t.query })));
}

/** Panels that must show the data written above. */
const MUST_HAVE_DATA =
  /\bFROM "(cpu|mem|session|users|apps|cache|sense_server|user_session_summary|user_events|log_event)"/;

test('every InfluxDB dashboard query runs on InfluxDB 1.x; health, user and log panels get data', async () => {
  const queries = dashboardQueries();
  assert.ok(queries.length >= 15);
  let withData = 0;
  for (const { title, query } of queries) {
    const series = await queryInflux(url, db, interpolate(query));
    if (!MUST_HAVE_DATA.test(query)) continue;
    const values = series.flatMap((s) => s.values).filter((row) => row.slice(1).some((v) => v !== null));
    assert.ok(values.length > 0, `panel "${title}" shows data: ${interpolate(query)}`);
    withData += 1;
  }
  assert.ok(withData >= 16, `panels with data: ${withData}`);
});

test('the $server variable lists both servers, and a panel filtered to one shows only it', async () => {
  const series = await queryInflux(url, db, 'SHOW TAG VALUES FROM "apps" WITH KEY = "server_description"');
  const values = series.flatMap((s) => s.values.map((row) => String(row[1])));
  assert.deepEqual(values.sort(), [...SERVERS].sort());
  const cpu = dashboardQueries().find((q) => q.title === 'Engine CPU')!;
  const rim = SERVERS[1]!;
  const one = await queryInflux(
    url,
    db,
    cpu.query
      .replaceAll('$timeFilter', 'time > now() - 1h')
      .replaceAll('$__interval', '1m')
      .replaceAll('$server', rim),
  );
  assert.deepEqual(
    one.map((s) => s.tags?.server_description),
    [rim],
  );
});

test('every Prometheus dashboard expression is valid PromQL and returns our servers', async () => {
  const file = DASHBOARD_FILES.find((f) => f.path.includes('prometheus'))!;
  const dashboard = JSON.parse(readFileSync(join(ROOT, file.path), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const exprs = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
  );
  assert.ok(exprs.length >= 10);
  const regex = SERVERS.join('|');
  const run = (expr: string) => queryPrometheus(expr.replaceAll('$server', regex));
  // deriv() needs two scrapes of our target; the shared Prometheus scrapes every second.
  const cpu = exprs.find((e) => e.title === 'Engine CPU')!;
  await waitFor(
    async () => {
      const calls = exprs.find((e) => e.expr.includes('deriv('))!;
      return (await run(cpu.expr)).length === 2 && (await run(calls.expr)).length === 2 ? true : undefined;
    },
    20_000,
    250,
  );
  for (const { title, expr } of exprs) {
    const result = await run(expr);
    const servers = new Set(result.map((r) => r.metric.server_description));
    assert.deepEqual(servers, new Set(SERVERS), `panel "${title}" shows both servers: ${expr}`);
  }
});
