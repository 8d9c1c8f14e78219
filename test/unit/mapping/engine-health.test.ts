import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import {
  ENGINE_HEALTH_PROM_METRICS,
  engineHealthToInflux,
  engineHealthToMqtt,
  engineHealthToNewRelic,
  engineHealthToPrometheus,
  type NewRelicMetricConfig,
} from '../../../src/mapping/engine-health.ts';
import type { InfluxPoint, InfluxVersion } from '../../../src/mapping/shapes.ts';
import type { EngineHealthRecord } from '../../../src/records/engine-health.ts';
import { serverIdentity } from '../../../src/records/server.ts';
import { AppNameTable, parseAppList } from '../../../src/sources/app-names/table.ts';
import { parseHealthBody, resolveDocList } from '../../../src/sources/engine-health/parse.ts';
import { corpusSkip, readCorpusJson } from '../../support/compat-corpus.ts';

/** A Sense API answer from test/fixtures/sense/. */
const senseFixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/sense/${name}.json`, import.meta.url), 'utf8'));
const APP_1 = 'a1b2c3d4-0000-4000-8000-000000000001';

/** The sample of docs/reference/influxdb.md#worked-examples (worked examples). */
function workedExample(): EngineHealthRecord {
  const table = new AppNameTable();
  table.replace([{ id: APP_1, name: 'Sales app' }]);
  const server = serverIdentity({
    host: 'sense1.corp.local:4747',
    serverName: 'sense1',
    serverDescription: 'Central node',
    serverTags: { server_group: 'PROD' },
  });
  return {
    kind: 'engine-health',
    timeMs: 1_709_640_062_000,
    server,
    version: '12.1306.6.0',
    started: '20240305T120102.000Z',
    uptime: '2 days, 7h 03m 09s',
    mem: { committed: 2345.67, allocated: 3456.78, free: 12345.6, totalPhysical: undefined },
    cpu: { total: 3.5 },
    session: { active: 2, total: 5 },
    apps: {
      activeDocs: resolveDocList([APP_1], table),
      loadedDocs: resolveDocList([APP_1, 'SessionApp_1234'], table),
      inMemoryDocs: resolveDocList([APP_1, 'SessionApp_1234'], table),
      calls: 1234,
      selections: 56,
    },
    users: { active: 1, total: 3 },
    cache: { hits: 10, lookups: 20, added: 5, replaced: 0, bytesAdded: 1024 },
    saturated: false,
  };
}

const influxCfg = {
  influxdbConfig: {
    enable: true,
    includeFields: { activeDocs: true, loadedDocs: false, inMemoryDocs: true },
  },
  appNames: { enableAppNameExtract: true },
};

/** Line protocol without the timestamp, as the reference prints it. */
const lines = (points: InfluxPoint[]) => points.map((p) => encodeLine(p).replace(/ \d+$/, ''));

const V1_EXPECTED = `sense_server,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD started="20240305T120102.000Z",uptime="2 days, 7h 03m 09s",version="12.1306.6.0"
mem,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD allocated=3456i,comitted=2345i,free=12345i
apps,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD active_docs="a1b2c3d4-0000-4000-8000-000000000001",active_docs_count=1i,active_docs_names="\\"Sales app\\"",active_session_docs_names="",calls=1234i,in_memory_docs="a1b2c3d4-0000-4000-8000-000000000001,SessionApp_1234",in_memory_docs_count=2i,in_memory_docs_names="\\"Sales app\\"",in_memory_session_docs_names="\\"SessionApp_1234\\"",loaded_docs="",loaded_docs_count=2i,loaded_docs_names="",loaded_session_docs_names="",selections=56i
cpu,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD total=3i
session,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD active=2i,total=5i
users,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD active=1i,total=3i
cache,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD added=5i,bytes_added=1024i,hits=10i,lookups=20i,replaced=0i
saturated,host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD saturated=false`;

// The reference prints v2's boolean as `F`; the encoder writes `false`, the same stored value.
const V2_EXPECTED = `sense_server,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 started="20240305T120102.000Z",uptime="2 days, 7h 03m 09s",version="12.1306.6.0"
mem,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 allocated=3456.78,comitted=2345.67,free=12345.6
apps,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 active_docs="a1b2c3d4-0000-4000-8000-000000000001",active_docs_count=1i,active_docs_names="Sales app",active_session_docs_names="",calls=1234u,in_memory_docs="a1b2c3d4-0000-4000-8000-000000000001,SessionApp_1234",in_memory_docs_count=2i,in_memory_docs_names="Sales app",in_memory_session_docs_names="SessionApp_1234",loaded_docs="",loaded_docs_count=2i,loaded_docs_names="",loaded_session_docs_names="",selections=56u
cpu,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 total=3.5
session,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 active=2u,total=5u
users,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 active=1u,total=3u
cache,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 added=5i,bytes_added=1024i,hits=10u,lookups=20u,replaced=0i
saturated,host=sense1.corp.local,server_description=Central\\ node,server_group=PROD,server_name=sense1 saturated=false`;

describe('engine health → InfluxDB', () => {
  it('v1 matches the worked example of docs/reference/influxdb.md#worked-examples line by line', () => {
    assert.deepEqual(lines(engineHealthToInflux(workedExample(), 1, influxCfg)), V1_EXPECTED.split('\n'));
  });

  it('v2 matches the worked example of docs/reference/influxdb.md#worked-examples line by line', () => {
    assert.deepEqual(lines(engineHealthToInflux(workedExample(), 2, influxCfg)), V2_EXPECTED.split('\n'));
  });

  it('v3 differs from v2 only in cpu (floored int) and uint → int', () => {
    const v3 = lines(engineHealthToInflux(workedExample(), 3, influxCfg));
    const expected = V2_EXPECTED.replace('total=3.5', 'total=3i')
      .replace(/=(\d+)u/g, '=$1i')
      .split('\n');
    assert.deepEqual(v3, expected);
  });

  it('writes every field with the type of docs/reference/influxdb.md#engine-health per version', () => {
    const typesOf = (version: InfluxVersion) =>
      Object.fromEntries(
        engineHealthToInflux(workedExample(), version, influxCfg).map((p) => [
          p.measurement,
          Object.fromEntries(Object.entries(p.fields).map(([k, f]) => [k, f.type])),
        ]),
      );
    const v1 = typesOf(1);
    const v2 = typesOf(2);
    const v3 = typesOf(3);
    assert.deepEqual(v1.mem, { allocated: 'integer', comitted: 'integer', free: 'integer' });
    assert.deepEqual(v2.mem, { allocated: 'float', comitted: 'float', free: 'float' });
    assert.deepEqual(v3.mem, { allocated: 'float', comitted: 'float', free: 'float' });
    assert.deepEqual([v1.cpu?.total, v2.cpu?.total, v3.cpu?.total], ['integer', 'float', 'integer']);
    assert.deepEqual(v2.cache, {
      added: 'integer',
      bytes_added: 'integer',
      hits: 'uint',
      lookups: 'uint',
      replaced: 'integer',
    });
    assert.deepEqual(v3.session, { active: 'integer', total: 'integer' });
    assert.deepEqual(v2.users, { active: 'uint', total: 'uint' });
    assert.deepEqual(
      [v1.saturated?.saturated, v2.saturated?.saturated, v3.saturated?.saturated],
      ['boolean', 'boolean', 'boolean'],
    );
    assert.deepEqual(Object.keys(v1).sort(), [
      'apps',
      'cache',
      'cpu',
      'mem',
      'saturated',
      'sense_server',
      'session',
      'users',
    ]);
  });

  it('leaves doc lists and names empty when includeFields or app-name extraction is off', () => {
    const off = engineHealthToInflux(workedExample(), 2, {
      influxdbConfig: {
        enable: true,
        includeFields: { activeDocs: true, loadedDocs: true, inMemoryDocs: true },
      },
      appNames: { enableAppNameExtract: false },
    });
    const apps = off.find((p) => p.measurement === 'apps');
    assert.equal(apps?.fields.loaded_docs?.value, `${APP_1},SessionApp_1234`);
    assert.equal(apps?.fields.loaded_docs_names?.value, '');
    assert.equal(apps?.fields.active_session_docs_names?.value, '');
  });

  it('clamps negative counters for v2/v3 instead of losing the poll, and omits NaN fields', () => {
    const r = workedExample();
    r.apps.calls = -5;
    r.cpu.total = Number.NaN;
    const v2 = engineHealthToInflux(r, 2, influxCfg);
    assert.deepEqual(v2.find((p) => p.measurement === 'apps')?.fields.calls, { type: 'uint', value: 0 });
    assert.equal(
      v2.find((p) => p.measurement === 'cpu'),
      undefined,
    );
    const v1 = engineHealthToInflux(r, 1, influxCfg);
    assert.deepEqual(v1.find((p) => p.measurement === 'apps')?.fields.calls, { type: 'integer', value: -5 });
  });

  it('writes nothing when InfluxDB is disabled', () => {
    const cfg = { ...influxCfg, influxdbConfig: { ...influxCfg.influxdbConfig, enable: false } };
    assert.deepEqual(engineHealthToInflux(workedExample(), 1, cfg), []);
  });

  /** The apps measurement of one parsed healthcheck body, all doc lists and names switched on. */
  function appsPoint(body: unknown, qrs: unknown, version: InfluxVersion): InfluxPoint | undefined {
    const table = new AppNameTable();
    table.replace(parseAppList(qrs) ?? []);
    const server = serverIdentity({
      host: 'node2.lab.test:4747',
      serverName: 'node2',
      serverDescription: 'd',
    });
    const parsed = parseHealthBody(body, server, table, Date.now());
    assert.ok(parsed.ok);
    const all = { activeDocs: true, loadedDocs: true, inMemoryDocs: true };
    return engineHealthToInflux(parsed.record, version, {
      influxdbConfig: { enable: true, includeFields: all },
      appNames: { enableAppNameExtract: true },
    }).find((p) => p.measurement === 'apps');
  }

  it('maps the healthcheck fixture with the names of the QRS fixture: sorted names, session apps apart, unknown ids raw', () => {
    const point = appsPoint(senseFixture('engine-healthcheck'), senseFixture('qrs-apps'), 2);
    const fields = Object.fromEntries(Object.entries(point?.fields ?? {}).map(([k, f]) => [k, f.value]));
    assert.deepEqual(fields, {
      active_docs: 'b84e17c2-5a09-4d3e-8f61-2c9a7b3e05d4,3f6d2a90-1c4b-4e7a-9b25-7e8c0d41a6f3',
      active_docs_count: 2,
      active_docs_names: 'Anomaly watch - pumps,Warehouse throughput',
      active_session_docs_names: '',
      calls: 96512,
      in_memory_docs:
        '3f6d2a90-1c4b-4e7a-9b25-7e8c0d41a6f3,SessionApp_d2c7e0a3-8f14-4b69-9e52-c1a06b3d7f88,' +
        'b84e17c2-5a09-4d3e-8f61-2c9a7b3e05d4,e9a31f04-6b7d-4c28-a5e0-93d1f7b2c846,' +
        '71c0e5b8-9d2f-4a16-b3e7-58f4a0c29e1b,SessionApp_09af4c17-2e6b-4d85-b3c0-7a1e5f928d64',
      in_memory_docs_count: 6,
      in_memory_docs_names:
        'Anomaly watch - pumps,Board pack (quarterly),Warehouse throughput,e9a31f04-6b7d-4c28-a5e0-93d1f7b2c846',
      in_memory_session_docs_names:
        'SessionApp_09af4c17-2e6b-4d85-b3c0-7a1e5f928d64,SessionApp_d2c7e0a3-8f14-4b69-9e52-c1a06b3d7f88',
      loaded_docs:
        '3f6d2a90-1c4b-4e7a-9b25-7e8c0d41a6f3,b84e17c2-5a09-4d3e-8f61-2c9a7b3e05d4,SessionApp_d2c7e0a3-8f14-4b69-9e52-c1a06b3d7f88',
      loaded_docs_count: 3,
      loaded_docs_names: 'Anomaly watch - pumps,Warehouse throughput',
      loaded_session_docs_names: 'SessionApp_d2c7e0a3-8f14-4b69-9e52-c1a06b3d7f88',
      selections: 3307,
    });
    const v1 = appsPoint(senseFixture('engine-healthcheck'), senseFixture('qrs-apps'), 1);
    assert.equal(v1?.fields.active_docs_names?.value, '"Anomaly watch - pumps","Warehouse throughput"');
  });

  it('upstream compatibility: the corpus healthcheck and app list give the names upstream derives', {
    skip: corpusSkip,
  }, () => {
    const point = appsPoint(
      readCorpusJson('constructed/engine-healthcheck-response.json'),
      readCorpusJson('constructed/qrs-app-list-response.json'),
      2,
    );
    assert.equal(point?.fields.active_docs_names?.value, 'Sales dashboard');
    assert.equal(point?.fields.in_memory_docs_names?.value, 'Finance - monthly close,Sales dashboard');
    assert.equal(
      point?.fields.in_memory_session_docs_names?.value,
      'SessionApp_8c2b0f1e-4a3d-4c5b-9e7f-6a1b2c3d4e5f',
    );
    assert.equal(point?.fields.calls?.value, 184223);
  });
});

describe('engine health → Prometheus', () => {
  it('emits every metric of docs/reference/prometheus.md#sense-metrics with server labels, memory in bytes', () => {
    const { scope, samples } = engineHealthToPrometheus(workedExample());
    assert.equal(scope, 'engine-health/sense1');
    assert.deepEqual(
      samples.map((s) => s.name),
      ENGINE_HEALTH_PROM_METRICS.map((m) => m.name),
    );
    const byName = Object.fromEntries(samples.map((s) => [s.name, s]));
    const labels = {
      host: 'sense1.corp.local',
      server_name: 'sense1',
      server_description: 'Central node',
      server_group: 'PROD',
    };
    assert.deepEqual(byName.butlersos_cpu_total?.labels, labels);
    assert.equal(byName.butlersos_cpu_total?.value, 3.5);
    assert.equal(byName.butlersos_mem_committed?.value, 2345.67 * 1048576);
    assert.equal(byName.butlersos_cache_saturated?.value, 0);
    assert.equal(byName.butlersos_apps_inmemorydocs_total?.value, 2);
    assert.deepEqual(byName.butlersos_engine_metadata?.labels, {
      ...labels,
      engine_started: '20240305T120102.000Z',
      engine_version: '12.1306.6.0',
    });
    assert.equal(byName.butlersos_engine_metadata?.value, 1);
    assert.equal(
      byName.butlersos_mem_committed?.help,
      'The total amount of committed memory for the engine process in MB.',
    );
  });

  it('leaves out metrics whose value the engine did not report', () => {
    const r = workedExample();
    r.cache.hits = undefined;
    const names = engineHealthToPrometheus(r).samples.map((s) => s.name);
    assert.ok(!names.includes('butlersos_cache_hits'));
    assert.ok(names.includes('butlersos_cache_lookups'));
  });
});

describe('engine health → MQTT', () => {
  it('publishes the per-value topics of docs/reference/mqtt.md#engine-health with plain-text payloads', () => {
    const messages = engineHealthToMqtt(workedExample(), {
      mqttConfig: { enable: true, baseTopic: 'butler-sos/' },
    });
    const S = 'butler-sos/sense1.corp.local';
    assert.deepEqual(
      messages.map((m) => [m.topic, m.payload]),
      [
        [`${S}/version`, '12.1306.6.0'],
        [`${S}/started`, '20240305T120102.000Z'],
        [`${S}/mem/comitted`, '2345.67'],
        [`${S}/mem/allocated`, '3456.78'],
        [`${S}/mem/free`, '12345.6'],
        [`${S}/cpu/total`, '3.5'],
        [`${S}/session/active`, '2'],
        [`${S}/session/total`, '5'],
        [`${S}/apps/active_docs`, APP_1],
        [`${S}/apps/loaded_docs`, `${APP_1},SessionApp_1234`],
        [`${S}/apps/in_memory_docs`, `${APP_1},SessionApp_1234`],
        [`${S}/apps/calls`, '1234'],
        [`${S}/apps/selections`, '56'],
        [`${S}/users/active`, '1'],
        [`${S}/users/total`, '3'],
        [`${S}/cache/hits`, '10'],
        [`${S}/cache/lookups`, '20'],
        [`${S}/cache/added`, '5'],
        [`${S}/cache/replaced`, '0'],
        [`${S}/cache/bytes_added`, '1024'],
        [`${S}/cache/hit_ratio`, '50'],
        [`${S}/saturated`, 'false'],
      ],
    );
  });

  it('concatenates the base topic as given and skips hit_ratio without lookups', () => {
    const r = workedExample();
    r.cache.lookups = 0;
    const messages = engineHealthToMqtt(r, { mqttConfig: { enable: true, baseTopic: 'bsos' } });
    assert.equal(messages[0]?.topic, 'bsossense1.corp.local/version');
    assert.ok(!messages.some((m) => m.topic.endsWith('hit_ratio')));
    assert.deepEqual(engineHealthToMqtt(r, { mqttConfig: { enable: false, baseTopic: 'x/' } }), []);
  });
});

describe('engine health → New Relic', () => {
  const all = { enable: true };
  const cfg = (enable = true): NewRelicMetricConfig => ({
    newRelic: {
      enable,
      metric: {
        dynamic: {
          engine: {
            memory: all,
            cpu: all,
            calls: all,
            selections: all,
            sessions: all,
            users: all,
            saturated: all,
          },
          apps: { docCount: all },
          cache: { cache: all },
        },
        attribute: { static: [{ name: 'env', value: 'PROD' }], dynamic: { butlerSosVersion: all } },
      },
    },
    butlerSosVersion: '0.1.0',
  });

  it('sends the gauges of docs/reference/new-relic.md#engine-health-metrics in order with upstream names (typos included)', () => {
    const metrics = engineHealthToNewRelic(workedExample(), cfg());
    assert.deepEqual(
      metrics.map((m) => m.name),
      [
        'qs_memCommited',
        'qs_memAllocated',
        'qs_memFree',
        'qs_cpuTotal',
        'qs_engineCalls',
        'qs_engineSelections',
        'qs_engineSessionsActive',
        'qs_engineSessionsTotal',
        'qs_engineUsersActive',
        'qs_engineUsersTotal',
        'qs_engineSaturated',
        'qs_docsActiveCount',
        'qs_docsLoadedCount',
        'qs_docsInMemoryCount',
        'qs_cacheHits',
        'qs_cacheLookups',
        'qs_cacheaAdded',
        'qs_cacheReplaced',
        'qs_cacheBytesAdded',
      ],
    );
    assert.ok(metrics.every((m) => m.type === 'gauge' && typeof m.value === 'number'));
    assert.equal(metrics[0]?.value, 2345.67 * 1048576);
    assert.equal(metrics.find((m) => m.name === 'qs_engineSaturated')?.value, 0);
    assert.deepEqual(metrics[0]?.attributes, {
      host: 'sense1.corp.local',
      server_name: 'sense1',
      server_description: 'Central node',
      server_group: 'PROD',
      env: 'PROD',
      butlerSosVersion: '0.1.0',
    });
  });

  it('honours each switch, null attribute lists and the master switch', () => {
    const c = cfg();
    c.newRelic.metric.dynamic = { engine: { cpu: { enable: true } } };
    c.newRelic.metric.attribute = { static: null, dynamic: { butlerSosVersion: { enable: false } } };
    const metrics = engineHealthToNewRelic(workedExample(), c);
    assert.deepEqual(
      metrics.map((m) => m.name),
      ['qs_cpuTotal'],
    );
    assert.equal(metrics[0]?.attributes.butlerSosVersion, undefined);
    assert.deepEqual(engineHealthToNewRelic(workedExample(), cfg(false)), []);
  });
});
