/**
 * The whole agent, in-process, polling the Sense simulator (3 servers, virtual proxies `/`
 * and `/hdr` each) and writing to every destination at once:
 *
 * - agent A → real InfluxDB 1.x (own database), its /metrics scraped by the real
 *   Prometheus, real Mosquitto (own base topic), the New Relic fake;
 * - agent B → InfluxDB v2 (fake server), agent C → InfluxDB v3 (fake server), agent D →
 *   VictoriaMetrics' `/api/v2/write`.
 *
 * Every name, tag/label key and field type is checked against the tables transcribed from
 * docs/reference/influxdb.md, docs/reference/prometheus.md, docs/reference/mqtt.md and
 * docs/reference/new-relic.md in ./expected-outputs.ts (not against src/mapping).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import type { RunningSimulator } from '../../../sim/index.ts';
import { type InProcessAgent, startAgentInProcess } from '../../support/agent-config.ts';
import { type FakeInflux, type StoredPoint, startFakeInflux } from '../../support/fake-influxdb.ts';
import { type FakeNewRelic, type RecordedRequest, startFakeNewRelic } from '../../support/fake-newrelic.ts';
import {
  flushVictoriaMetrics,
  type PrometheusScrapeTarget,
  queryInflux,
  queryPrometheus,
  scrapeByPrometheus,
  sharedServices,
  uniqueName,
  waitFor,
} from '../../support/services.ts';
import {
  FAKE_TYPE,
  fieldTypesFor,
  HEALTH_FIELDS,
  INFLUX1_TYPE,
  MQTT_HEALTH_TOPICS,
  MQTT_NUMERIC_TOPICS,
  NR_HEALTH_METRICS,
  NR_SESSION_METRIC,
  PROM_HEALTH_METRICS,
  PROM_METADATA_LABELS,
  PROM_METRICS,
  PROM_SESSION_METRIC,
  type RefType,
  SERVER_TAGS,
  SESSION_DETAIL_TAGS,
  SESSION_FIELDS,
  SESSION_TAGS,
} from './expected-outputs.ts';
import {
  dropInfluxDatabase,
  type SimulatedCluster,
  startSimulatedCluster,
  VIRTUAL_PROXIES,
} from './simulated-cluster.ts';

const POLL_MS = 1000;
const VERSION = '9.8.7-test';
const WAIT_MS = 20_000;
/**
 * Sense's compact ISO-8601 with offset, e.g. 20241101T053044.812+0100
 * (docs/reference/sense-apis.md#healthcheck-response).
 */
const STARTED = /^\d{8}T\d{6}\.\d{3}(Z|[+-]\d{4})$/;
const sorted = (list: Iterable<string>) => [...list].sort();

/**
 * Tag keys per measurement (docs/reference/influxdb.md#common-tags-per-data-kind,
 * docs/reference/influxdb.md#proxy-sessions).
 */
const EXPECTED_TAGS: Record<string, string[]> = {
  ...Object.fromEntries(Object.keys(HEALTH_FIELDS).map((m) => [m, sorted(SERVER_TAGS)])),
  user_session_summary: sorted([...SERVER_TAGS, ...SESSION_TAGS]),
  user_session_list: sorted([...SERVER_TAGS, ...SESSION_TAGS]),
  user_session_details: sorted([...SERVER_TAGS, ...SESSION_TAGS, ...SESSION_DETAIL_TAGS]),
};
const ALL_MEASUREMENTS = sorted([...Object.keys(HEALTH_FIELDS), ...Object.keys(SESSION_FIELDS)]);

function expectedFieldTypes(version: 1 | 2 | 3): Record<string, Record<string, RefType>> {
  return { ...fieldTypesFor(HEALTH_FIELDS, version), ...fieldTypesFor(SESSION_FIELDS, version) };
}

/** measurement → field → type name, as the given type table names them. */
function namedTypes(
  expected: Record<string, Record<string, RefType>>,
  names: Record<RefType, string>,
): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(expected).map(([m, fields]) => [
      m,
      Object.fromEntries(Object.entries(fields).map(([f, t]) => [f, names[t]])),
    ]),
  );
}

/** The fake's stored points of one database, summarised like SHOW FIELD/TAG KEYS. */
function schemaOf(points: StoredPoint[]): {
  fields: Record<string, Record<string, string>>;
  tags: Record<string, string[]>;
} {
  const fields: Record<string, Record<string, string>> = {};
  const tags: Record<string, Set<string>> = {};
  for (const point of points) {
    const f = fields[point.measurement] ?? {};
    fields[point.measurement] = f;
    for (const [name, field] of Object.entries(point.fields)) {
      // A second type for one field would be a conflict; keep both visible.
      f[name] = f[name] && f[name] !== field.type ? `${f[name]}|${field.type}` : field.type;
    }
    const t = tags[point.measurement] ?? new Set<string>();
    tags[point.measurement] = t;
    for (const key of Object.keys(point.tags)) t.add(key);
  }
  return {
    fields: Object.fromEntries(Object.entries(fields).map(([m, f]) => [m, sortKeys(f)])),
    tags: Object.fromEntries(Object.entries(tags).map(([m, t]) => [m, sorted(t)])),
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Splits an app-name list; v1 items are each wrapped in double quotes
 * (docs/reference/influxdb.md#app-name-lists).
 */
function nameItems(value: string, quoted: boolean): string[] {
  if (value === '') return [];
  if (!quoted) return value.split(',');
  assert.match(value, /^"[^"]*"(,"[^"]*")*$/, `v1 name list items are quoted: ${value}`);
  return value.slice(1, -1).split('","');
}

describe('agent: simulator (3 servers × 2 virtual proxies) → every destination', () => {
  const services = sharedServices();
  const db = uniqueName('agent_outputs');
  const baseTopic = `${uniqueName('bsos')}/`;
  const serverGroup = uniqueName('grp');
  const nrAccount = { accountName: 'Test account', insertApiKey: 'NRII-test-key', accountId: '4242' };
  const token = 'test-token';
  const v2 = { org: 'myorg', bucket: 'butler_v2' };
  const v3Database = 'butler_v3';

  let cluster: SimulatedCluster | undefined;
  let sim: RunningSimulator;
  let newRelic: FakeNewRelic;
  let fakeInflux: FakeInflux;
  let subscriber: MqttClient;
  const messages: { topic: string; payload: string }[] = [];
  const agents: InProcessAgent[] = [];
  let agentA: InProcessAgent;
  let metricsHostPort: string;
  let scrape: PrometheusScrapeTarget | undefined;
  let appNames: Set<string>;
  let appIds: Set<string>;

  before(async () => {
    cluster = await startSimulatedCluster(3);
    sim = cluster.sim;
    appNames = new Set(sim.servers.flatMap((s) => s.apps.map((a) => a.name)));
    appIds = new Set(sim.servers.flatMap((s) => s.apps.map((a) => a.id)));
    newRelic = await startFakeNewRelic([{ accountId: nrAccount.accountId, keys: [nrAccount.insertApiKey] }]);
    fakeInflux = await startFakeInflux({ token, org: v2.org, buckets: [v2.bucket], databases: [v3Database] });

    subscriber = mqtt.connect(services.mosquittoUrl);
    subscriber.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString('utf8') }));
    await new Promise<void>((resolve, reject) => {
      subscriber.once('connect', () => resolve());
      subscriber.once('error', reject);
    });
    await subscriber.subscribeAsync(`${baseTopic}#`);

    const base = { sim, pollingIntervalMs: POLL_MS, version: VERSION, serverGroup };
    const started = await Promise.all([
      startAgentInProcess({
        ...base,
        destinations: {
          influxdb: { version: 1, url: services.influxdbUrl, dbName: db },
          prometheus: {},
          mqtt: { url: services.mosquittoUrl, baseTopic },
          newRelic: {
            metricUrl: newRelic.metricUrl,
            eventUrl: newRelic.eventUrl,
            accounts: [nrAccount],
            staticAttributes: [{ name: 'env', value: 'TEST' }],
            headers: [{ name: 'X-Test-Header', value: 'from-config' }],
          },
        },
      }),
      startAgentInProcess({
        ...base,
        destinations: { influxdb: { version: 2, url: fakeInflux.url, token, ...v2 } },
      }),
      startAgentInProcess({
        ...base,
        destinations: { influxdb: { version: 3, url: fakeInflux.url, token, database: v3Database } },
      }),
      startAgentInProcess({
        ...base,
        destinations: {
          influxdb: { version: 2, url: services.victoriametricsUrl, token, org: 'vm', bucket: 'vm' },
        },
      }),
    ]);
    agents.push(...started);
    agentA = started[0] as InProcessAgent;
    metricsHostPort = new URL(agentA.metricsUrl as string).host;
    scrape = await scrapeByPrometheus(metricsHostPort, { suite: 'agent-outputs' });
  });

  after(async () => {
    await scrape?.remove();
    await Promise.allSettled(agents.map((a) => a.stop()));
    await subscriber?.endAsync();
    await cluster?.stop();
    await newRelic?.close();
    await fakeInflux?.close();
    await dropInfluxDatabase(services.influxdbUrl, db);
  });

  // ---- InfluxDB 1.x ----
  // (docs/reference/influxdb.md#engine-health, docs/reference/influxdb.md#proxy-sessions,
  // docs/reference/influxdb.md#differences-between-versions)

  it('InfluxDB 1.x: measurements, field keys and field types as docs/reference/influxdb.md gives them for v1', async () => {
    const want = namedTypes(expectedFieldTypes(1), INFLUX1_TYPE);
    const got = await waitFor(async () => {
      const series = await queryInflux(services.influxdbUrl, db, 'SHOW FIELD KEYS');
      const fields = Object.fromEntries(
        series.map((s) => [s.name, sortKeys(Object.fromEntries(s.values.map(([k, t]) => [k, t])))]),
      );
      return Object.keys(fields).length >= ALL_MEASUREMENTS.length ? fields : undefined;
    }, WAIT_MS);
    assert.deepEqual(
      sortKeys(got),
      sortKeys(Object.fromEntries(Object.entries(want).map(([m, f]) => [m, sortKeys(f)]))),
    );
  });

  it('InfluxDB 1.x: tag keys are the server tags (+ session tags) and nothing else', async () => {
    const series = await waitFor(async () => {
      const s = await queryInflux(services.influxdbUrl, db, 'SHOW TAG KEYS');
      return s.length >= ALL_MEASUREMENTS.length ? s : undefined;
    }, WAIT_MS);
    const tags = Object.fromEntries(series.map((s) => [s.name, sorted(s.values.map(([k]) => String(k)))]));
    assert.deepEqual(sortKeys(tags), sortKeys(EXPECTED_TAGS));
  });

  it('InfluxDB 1.x: one series per server and per server × virtual proxy, with the configured tag values', async () => {
    const health = await waitFor(async () => {
      const s = await queryInflux(services.influxdbUrl, db, 'SELECT last(total) FROM cpu GROUP BY *');
      return s.length === 3 ? s : undefined;
    }, WAIT_MS);
    const byServer = Object.fromEntries(health.map((s) => [s.tags?.server_name, s.tags]));
    sim.servers.forEach((server, i) => {
      assert.deepEqual(byServer[server.serverName], {
        host: server.engineHost.split(':')[0],
        server_name: server.serverName,
        server_description: `Simulated Sense node ${i + 1}`,
        server_group: serverGroup,
      });
    });
    const sessions = await waitFor(async () => {
      const s = await queryInflux(
        services.influxdbUrl,
        db,
        'SELECT last(session_count) FROM user_session_summary GROUP BY *',
      );
      return s.length === 6 ? s : undefined;
    }, WAIT_MS);
    const seen = sorted(sessions.map((s) => `${s.tags?.server_name} ${s.tags?.user_session_virtual_proxy}`));
    const expected = sorted(sim.servers.flatMap((s) => VIRTUAL_PROXIES.map((vp) => `${s.serverName} ${vp}`)));
    assert.deepEqual(seen, expected);
    for (const s of sessions) {
      const server = sim.servers.find((x) => x.serverName === s.tags?.server_name);
      // user_session_host keeps the port (docs/reference/influxdb.md#proxy-sessions).
      assert.equal(s.tags?.user_session_host, server?.proxyHost);
    }
  });

  it('InfluxDB 1.x: app lists, quoted name lists and the uptime string as docs/reference/influxdb.md#engine-health describes', async () => {
    const rows = await waitFor(async () => {
      const s = await queryInflux(
        services.influxdbUrl,
        db,
        'SELECT * FROM apps WHERE in_memory_docs_count > 0 ORDER BY time DESC LIMIT 3',
      );
      return s[0]?.values.length ? s[0] : undefined;
    }, WAIT_MS);
    const col = (name: string) => rows.columns.indexOf(name);
    for (const row of rows.values) {
      const ids = String(row[col('in_memory_docs')]).split(',');
      assert.equal(ids.length, row[col('in_memory_docs_count')], 'count matches the id list');
      const names = nameItems(String(row[col('in_memory_docs_names')]), true);
      const sessionNames = nameItems(String(row[col('in_memory_session_docs_names')]), true);
      assert.equal(names.length + sessionNames.length, ids.length);
      for (const name of names) assert.ok(appNames.has(name) || appIds.has(name), `known app: ${name}`);
      for (const name of sessionNames) assert.match(name, /^SessionApp/);
      assert.deepEqual(names, [...names].sort(), 'names sorted');
    }
    const uptime = await queryInflux(
      services.influxdbUrl,
      db,
      'SELECT uptime, started FROM sense_server LIMIT 3',
    );
    for (const row of uptime[0]?.values ?? []) {
      assert.match(String(row[1]), /^\d+ days, \d{1,2}h \d{2}m \d{2}s$/);
      assert.match(String(row[2]), STARTED);
    }
    assert.ok(uptime[0]?.values.length, 'sense_server has points');
  });

  // ---- InfluxDB v2 and v3 through the fake server ----
  // (docs/reference/influxdb.md#engine-health, docs/reference/influxdb.md#proxy-sessions,
  // docs/reference/influxdb.md#differences-between-versions)

  for (const version of [2, 3] as const) {
    it(`InfluxDB v${version}: measurements, tag keys and field types as docs/reference/influxdb.md gives them`, async () => {
      const database = version === 2 ? v2.bucket : v3Database;
      const points = () => fakeInflux.points.filter((p) => p.database === database);
      await waitFor(() => {
        const measurements = new Set(points().map((p) => p.measurement));
        const sessions = new Set(
          points()
            .filter((p) => p.measurement === 'user_session_summary')
            .map((p) => `${p.tags.server_name} ${p.tags.user_session_virtual_proxy}`),
        );
        return measurements.size >= ALL_MEASUREMENTS.length && sessions.size === 6;
      }, WAIT_MS);
      const { fields, tags } = schemaOf(points());
      const want = namedTypes(expectedFieldTypes(version), FAKE_TYPE);
      assert.deepEqual(
        sortKeys(fields),
        sortKeys(Object.fromEntries(Object.entries(want).map(([m, f]) => [m, sortKeys(f)]))),
      );
      assert.deepEqual(sortKeys(tags), sortKeys(EXPECTED_TAGS));
      // Every point carries every server tag, session points too
      // (docs/reference/influxdb.md#proxy-sessions, docs/reference/destinations.md#fixed).
      for (const point of points()) {
        assert.deepEqual(
          sorted(Object.keys(point.tags)),
          EXPECTED_TAGS[point.measurement],
          point.measurement,
        );
        assert.equal(point.tags.server_group, serverGroup);
      }
      // The strict fake refused nothing (auth, org/bucket/db, precision, line syntax).
      const refused = fakeInflux.requests.filter((r) => r.status >= 300);
      assert.deepEqual(
        refused.map((r) => `${r.method} ${r.path} ${r.status}`),
        [],
      );
      // Name lists are unquoted in v2/v3 (docs/reference/influxdb.md#app-name-lists).
      for (const point of points().filter((p) => p.measurement === 'apps')) {
        const names = String(point.fields.in_memory_docs_names?.value);
        assert.doesNotMatch(names, /"/);
        for (const name of nameItems(names, false)) assert.ok(appNames.has(name) || appIds.has(name), name);
      }
    });
  }

  it('VictoriaMetrics /api/v2/write: numeric fields stored as measurement_field series with the tags', async () => {
    const wanted = [
      'mem_comitted',
      'cpu_total',
      'apps_calls',
      'cache_hits',
      'session_active',
      'users_total',
      'user_session_summary_session_count',
      'user_session_list_session_count',
    ];
    const found = await waitFor(async () => {
      await flushVictoriaMetrics();
      const url = new URL('/api/v1/export', services.victoriametricsUrl);
      url.searchParams.set('match[]', `{server_group="${serverGroup}"}`);
      const text = await (await fetch(url)).text();
      const series = text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { metric: Record<string, string> });
      const names = new Set(series.map((s) => s.metric.__name__));
      return wanted.every((n) => names.has(n)) ? series : undefined;
    }, WAIT_MS);
    const cpu = found.filter((s) => s.metric.__name__ === 'cpu_total');
    assert.deepEqual(
      sorted(cpu.map((s) => String(s.metric.server_name))),
      sorted(sim.servers.map((s) => s.serverName)),
    );
    for (const s of found.filter((x) => x.metric.__name__ === 'user_session_summary_session_count')) {
      assert.ok(VIRTUAL_PROXIES.includes(String(s.metric.user_session_virtual_proxy)));
    }
  });

  // ---- Prometheus (docs/reference/prometheus.md#sense-metrics) ----

  it('/metrics: every docs/reference/prometheus.md#sense-metrics metric in table order, verbatim HELP, TYPE gauge', async () => {
    const text = await waitFor(async () => {
      const body = await (await fetch(`${agentA.metricsUrl}/metrics`)).text();
      const sessionSeries = body.split('\n').filter((l) => l.startsWith(`${PROM_SESSION_METRIC}{`));
      const cpuSeries = body.split('\n').filter((l) => l.startsWith('butlersos_cpu_total{'));
      return sessionSeries.length === 6 && cpuSeries.length === 3 ? body : undefined;
    }, WAIT_MS);
    const lines = text.split('\n');
    const helpOrder = lines
      .filter((l) => l.startsWith('# HELP butlersos_'))
      .map((l) => l.slice('# HELP '.length).split(' ')[0]);
    assert.deepEqual(
      helpOrder,
      PROM_METRICS.map(([name]) => name),
    );
    for (const [name, help] of PROM_METRICS) {
      // prom-client escapes backslashes and newlines only; none occur in these texts.
      assert.ok(lines.includes(`# HELP ${name} ${help}`), `HELP of ${name}`);
      assert.ok(lines.includes(`# TYPE ${name} gauge`), `${name} is a gauge`);
    }
  });

  it('Prometheus (real, scraping the agent): metric names, label names and values per docs/reference/prometheus.md#sense-metrics', async () => {
    const selector = `{instance="${metricsHostPort}",__name__=~"butlersos_.*"}`;
    const series = await waitFor(async () => {
      const result = await queryPrometheus(selector);
      const sessions = result.filter((r) => r.metric.__name__ === PROM_SESSION_METRIC);
      const metadata = result.filter((r) => r.metric.__name__ === 'butlersos_engine_metadata');
      return sessions.length === 6 && metadata.length >= 3 ? result : undefined;
    }, WAIT_MS);
    const names = new Set(series.map((s) => s.metric.__name__ as string));
    assert.deepEqual(sorted(names), sorted([...PROM_HEALTH_METRICS, PROM_SESSION_METRIC]));

    const scrapeLabels = ['__name__', 'instance', 'job', 'suite'];
    const labelNames = (metric: Record<string, string>) =>
      sorted(Object.keys(metric).filter((k) => !scrapeLabels.includes(k)));
    for (const s of series) {
      const name = s.metric.__name__ as string;
      const expected =
        name === PROM_SESSION_METRIC
          ? [...SERVER_TAGS, ...SESSION_TAGS]
          : name === 'butlersos_engine_metadata'
            ? [...SERVER_TAGS, ...PROM_METADATA_LABELS]
            : [...SERVER_TAGS];
      assert.deepEqual(labelNames(s.metric), sorted(expected), name);
      assert.equal(s.metric.server_group, serverGroup);
      assert.ok(Number.isFinite(Number(s.value[1])), `${name} value`);
    }
    for (const s of series.filter((x) => x.metric.__name__ === 'butlersos_engine_metadata')) {
      assert.equal(s.value[1], '1');
      assert.match(String(s.metric.engine_started), STARTED);
    }
    for (const s of series.filter((x) => x.metric.__name__ === 'butlersos_cache_saturated')) {
      assert.ok(['0', '1'].includes(s.value[1]));
    }
    for (const s of series.filter((x) => x.metric.__name__ === PROM_SESSION_METRIC)) {
      const server = sim.servers.find((x) => x.serverName === s.metric.server_name);
      assert.equal(s.metric.user_session_host, server?.proxyHost);
      assert.ok(VIRTUAL_PROXIES.includes(String(s.metric.user_session_virtual_proxy)));
    }
    assert.deepEqual(
      sorted(
        series
          .filter((x) => x.metric.__name__ === 'butlersos_cpu_total')
          .map((x) => String(x.metric.server_name)),
      ),
      sorted(sim.servers.map((s) => s.serverName)),
    );
  });

  // ---- MQTT (docs/reference/mqtt.md#engine-health, docs/reference/mqtt.md#proxy-sessions) ----

  it('MQTT: health topics and payloads per docs/reference/mqtt.md#engine-health, session topics and pretty JSON per docs/reference/mqtt.md#proxy-sessions', async () => {
    // All simulated engines listen on 127.0.0.1 (OS-chosen ports), so <S> is the same.
    const hostPart = (hostPort: string) => hostPort.split(':')[0];
    const healthTopics = new Set(
      sim.servers.flatMap((s) => MQTT_HEALTH_TOPICS.map((t) => `${baseTopic}${hostPart(s.engineHost)}/${t}`)),
    );
    const sessionTopics = new Set(
      sim.servers.flatMap((s) =>
        VIRTUAL_PROXIES.map((vp) => `${baseTopic}${hostPart(s.proxyHost)}/usersession${vp}`),
      ),
    );
    await waitFor(() => {
      const seen = new Set(messages.map((m) => m.topic));
      return [...healthTopics, ...sessionTopics].every((t) => seen.has(t));
    }, WAIT_MS);
    const snapshot = [...messages];
    assert.deepEqual(
      sorted(new Set(snapshot.map((m) => m.topic))),
      sorted([...healthTopics, ...sessionTopics]),
    );

    const leaf = (topic: string) => topic.slice(topic.indexOf('/', baseTopic.length) + 1);
    let hits: number | undefined;
    let lookups: number | undefined;
    for (const { topic, payload } of snapshot) {
      if (sessionTopics.has(topic)) {
        // Re-serialised with 2-space indentation, unfiltered array of Sense sessions.
        const parsed = JSON.parse(payload) as Record<string, unknown>[];
        assert.equal(payload, JSON.stringify(parsed, null, 2));
        assert.ok(Array.isArray(parsed));
        for (const session of parsed) {
          for (const key of ['UserDirectory', 'UserId', 'SessionId']) assert.ok(key in session, key);
        }
        continue;
      }
      const key = leaf(topic);
      if ((MQTT_NUMERIC_TOPICS as readonly string[]).includes(key)) {
        assert.equal(String(Number(payload)), payload, `${key} is String(number): ${payload}`);
      }
      if (key === 'saturated') assert.ok(['true', 'false'].includes(payload), payload);
      if (key === 'started') assert.match(payload, STARTED);
      if (key.endsWith('_docs')) {
        for (const id of payload === '' ? [] : payload.split(',')) {
          assert.ok(appIds.has(id) || id.startsWith('SessionApp'), `doc id ${id}`);
        }
      }
      // One poll's messages are published together: hit_ratio follows its hits and lookups.
      if (key === 'cache/hits') hits = Number(payload);
      if (key === 'cache/lookups') lookups = Number(payload);
      if (key === 'cache/hit_ratio') {
        assert.ok(hits !== undefined && lookups !== undefined && lookups > 0);
        assert.equal(Number(payload), Math.floor((hits / lookups) * 100));
      }
    }
  });

  // ---- New Relic Metric API (docs/reference/new-relic.md#engine-health-metrics) ----

  it('New Relic: health and session metrics with the docs/reference/new-relic.md#engine-health-metrics names, attributes, interval and headers', async () => {
    type Block = {
      common: { timestamp: number; 'interval.ms'?: number; attributes: Record<string, unknown> };
      metrics: { name: string; type: string; value: unknown; attributes?: Record<string, unknown> }[];
    };
    const blocks = (requests: RecordedRequest[]) => requests.flatMap((r) => r.payload as Block[]);
    const isHealth = (b: Block) => b.metrics.some((m) => m.name === 'qs_cpuTotal');
    const isSession = (b: Block) => b.metrics.some((m) => m.name === NR_SESSION_METRIC);
    await waitFor(() => {
      const all = blocks(newRelic.accepted(nrAccount.accountId, 'metric'));
      const servers = new Set(all.filter(isHealth).map((b) => b.common.attributes.server_name));
      const sessions = new Set(
        all
          .filter(isSession)
          .map((b) => `${b.common.attributes.server_name} ${b.common.attributes.user_session_virtual_proxy}`),
      );
      return servers.size === 3 && sessions.size === 6;
    }, WAIT_MS);
    const requests = newRelic.accepted(nrAccount.accountId, 'metric');
    assert.deepEqual(newRelic.refusals, []);
    assert.deepEqual(newRelic.violations, []);
    for (const request of requests) {
      assert.match(request.headers['content-type'] ?? '', /^application\/json/);
      assert.equal(request.headers['x-test-header'], 'from-config');
      assert.equal(request.headers['api-key'], '<key>');
    }
    const all = blocks(requests);
    const health = all.filter(isHealth);
    const sessions = all.filter(isSession);
    assert.equal(health.length + sessions.length, all.length, 'only health and session blocks');

    for (const block of health) {
      assert.deepEqual(
        block.metrics.map((m) => m.name),
        [...NR_HEALTH_METRICS],
      );
      for (const metric of block.metrics) {
        assert.equal(metric.type, 'gauge');
        assert.equal(typeof metric.value, 'number', `${metric.name} is numeric`);
      }
      const saturated = block.metrics.find((m) => m.name === 'qs_engineSaturated');
      assert.ok(
        saturated?.value === 0 || saturated?.value === 1,
        'saturated sent as 1/0 (docs/reference/new-relic.md#engine-health-metrics)',
      );
      // ST, then static attributes, then butlerSosVersion, in that order.
      assert.deepEqual(Object.keys(block.common.attributes), [...SERVER_TAGS, 'env', 'butlerSosVersion']);
      assert.equal(block.common.attributes.env, 'TEST');
      assert.equal(block.common.attributes.butlerSosVersion, VERSION);
      assert.equal(block.common.attributes.server_group, serverGroup);
      assert.equal(typeof block.common.timestamp, 'number');
      assert.equal(block.common['interval.ms'], POLL_MS, 'interval.ms = serversToMonitor.pollingInterval');
    }
    for (const block of sessions) {
      assert.deepEqual(
        block.metrics.map((m) => [m.name, m.type]),
        [[NR_SESSION_METRIC, 'gauge']],
      );
      assert.deepEqual(Object.keys(block.common.attributes), [
        ...SERVER_TAGS,
        ...SESSION_TAGS,
        'env',
        'butlerSosVersion',
      ]);
      const server = sim.servers.find((s) => s.serverName === block.common.attributes.server_name);
      assert.equal(block.common.attributes.user_session_host, server?.proxyHost);
      assert.equal(block.common['interval.ms'], POLL_MS, 'interval.ms = userSessions.pollingInterval');
    }
  });

  it('no errors were logged by the agents writing to InfluxDB 1.x/v2/v3, MQTT, New Relic', () => {
    // Agent D is left out: VictoriaMetrics has no /api/v2/orgs, so its bucket setup fails
    // (logged, startup continues, docs/reference/influxdb.md#provisioning) while its writes succeed.
    for (const agent of agents.slice(0, 3)) {
      const errors = agent.lines.filter((l) => l.level === 'error');
      assert.deepEqual(
        errors.map((l) => l.message),
        [],
      );
    }
  });
});
