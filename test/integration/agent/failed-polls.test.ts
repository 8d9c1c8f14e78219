/**
 * Failed polls through the whole agent (docs/reference/influxdb.md#error-events,
 * docs/reference/prometheus.md#staleness-and-expiry,
 * docs/reference/destinations.md#error-tracking-and-failed-polls): the simulator's servers fail in
 * different ways ('refuse', 'http500', 'timeout', then a change of cause, then recovery) while the
 * agent writes to a real InfluxDB 1.x. Checked:
 *
 * - each failing poll target is logged once per state change (first failure, change of
 *   cause) naming the server and the cause, repeats are not logged again at that level,
 *   and the recovery is logged;
 * - every failed poll becomes one `butler_sos_errors` point with the
 *   docs/reference/influxdb.md#error-events tags, fields, v1 field types and error categories;
 *
 * (What happens to the Prometheus series of a failing server is prometheus-expiry.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningSimulator, SimulatedServer } from '../../../sim/index.ts';
import type { RecordedLine } from '../../../src/logging/logger.ts';
import { type InProcessAgent, startAgentInProcess } from '../../support/agent-config.ts';
import { queryInflux, sharedServices, uniqueName, waitFor } from '../../support/services.ts';
import {
  ERROR_CATEGORIES,
  ERROR_FIELDS,
  ERROR_TAGS_ALLOWED,
  ERROR_TAGS_ALWAYS,
  INFLUX1_TYPE,
  type RefType,
} from './expected-outputs.ts';
import {
  dropInfluxDatabase,
  type SimulatedCluster,
  startSimulatedCluster,
  VIRTUAL_PROXIES,
} from './simulated-cluster.ts';

const POLL_MS = 1000;
/** The agent's Sense request timeout (upstream's 5000 ms) plus room for the next polls. */
const TIMEOUT_WAIT_MS = 20_000;
/** error_type per failing poll kind (docs/reference/destinations.md#error-tracking-and-failed-polls). */
const HEALTH_API = 'HEALTH_API';
const PROXY_API = 'PROXY_API';
const APP_NAMES_EXTRACT = 'APP_NAMES_EXTRACT';
/**
 * The cause each failure mode must be described with, in logs and in error_category
 * (docs/reference/influxdb.md#error-events).
 */
const CAUSES = {
  refuse: { category: 'connection_refused', log: /refused|ECONNREFUSED/i },
  http500: { category: 'http_5xx', log: /500/ },
  timeout: { category: 'timeout', log: /time(d)? ?out/i },
} as const;

type ErrorRow = Record<string, unknown>;

describe('agent: failed polls are logged once per state change and written to butler_sos_errors', () => {
  const services = sharedServices();
  const db = uniqueName('agent_failed_polls');
  let cluster: SimulatedCluster | undefined;
  let sim: RunningSimulator;
  let agent: InProcessAgent;
  let refused: SimulatedServer;
  let erroring: SimulatedServer;
  let hanging: SimulatedServer;

  /** Error-level lines about one poll target (server name and the host:port polled). */
  const errorLinesAbout = (server: SimulatedServer, host: string): RecordedLine[] =>
    agent.lines.filter(
      (l) => l.level === 'error' && l.message.includes(server.serverName) && l.message.includes(host),
    );
  const recoveryLinesAbout = (server: SimulatedServer, host: string): RecordedLine[] =>
    agent.lines.filter(
      (l) =>
        (l.level === 'info' || l.level === 'warn') &&
        /recover/i.test(l.message) &&
        l.message.includes(server.serverName) &&
        l.message.includes(host),
    );

  const errorRows = async (): Promise<ErrorRow[]> => {
    const series = await queryInflux(services.influxdbUrl, db, 'SELECT * FROM butler_sos_errors');
    const first = series[0];
    if (!first) return [];
    return first.values.map((row) => Object.fromEntries(first.columns.map((c, i) => [c, row[i]])));
  };
  const rowsOf = (rows: ErrorRow[], server: SimulatedServer, type: string) =>
    rows.filter((r) => r.server_name === server.serverName && r.error_type === type);

  before(async () => {
    cluster = await startSimulatedCluster(11);
    sim = cluster.sim;
    [refused, erroring, hanging] = sim.servers as [SimulatedServer, SimulatedServer, SimulatedServer];
    agent = await startAgentInProcess({
      sim,
      pollingIntervalMs: POLL_MS,
      appNamesIntervalMs: POLL_MS,
      destinations: {
        influxdb: { version: 1, url: services.influxdbUrl, dbName: db },
      },
    });
    // Every server answered at least once before it starts failing.
    await waitFor(async () => {
      const s = await queryInflux(
        services.influxdbUrl,
        db,
        'SELECT last(total) FROM cpu GROUP BY server_name',
      );
      return s.length === 3;
    }, 15_000);
    await Promise.all([
      refused.setFailure('refuse'),
      erroring.setFailure('http500'),
      hanging.setFailure('timeout'),
      sim.setQrsFailure('http500'),
    ]);
  });

  after(async () => {
    await agent?.stop();
    await cluster?.stop();
    await dropInfluxDatabase(services.influxdbUrl, db);
  });

  it('writes one butler_sos_errors point per failed poll with the docs/reference/influxdb.md#error-events tags, fields and v1 types', async () => {
    const rows = await waitFor(async () => {
      const all = await errorRows();
      const enough =
        rowsOf(all, refused, HEALTH_API).length >= 3 &&
        rowsOf(all, erroring, HEALTH_API).length >= 3 &&
        rowsOf(all, refused, PROXY_API).length >= 6 &&
        rowsOf(all, erroring, PROXY_API).length >= 6 &&
        all.filter((r) => r.error_type === APP_NAMES_EXTRACT).length >= 2 &&
        rowsOf(all, hanging, HEALTH_API).length >= 1 &&
        // Virtual proxies are polled one after the other
        // (docs/reference/destinations.md#schedules): the second times out 5 s later.
        new Set(rowsOf(all, hanging, PROXY_API).map((r) => r.virtual_proxy)).size === VIRTUAL_PROXIES.length;
      return enough ? all : undefined;
    }, TIMEOUT_WAIT_MS);

    // Field keys and their v1 types: a subset of the docs/reference/influxdb.md#error-events table,
    // always error_count and error_category; numbers are floats in v1 (unschema'd measurement,
    // docs/reference/influxdb.md#field-types-per-version).
    const fieldSeries = await queryInflux(services.influxdbUrl, db, 'SHOW FIELD KEYS FROM butler_sos_errors');
    const fieldTypes = Object.fromEntries((fieldSeries[0]?.values ?? []).map(([k, t]) => [String(k), t]));
    for (const [field, type] of Object.entries(fieldTypes)) {
      const reference = ERROR_FIELDS[field];
      assert.ok(reference, `field ${field} is in the docs/reference/influxdb.md#error-events table`);
      assert.equal(type, INFLUX1_TYPE[reference[0] as RefType], `v1 type of ${field}`);
    }
    for (const field of ['error_count', 'error_category', 'http_status'])
      assert.ok(field in fieldTypes, field);

    const tagSeries = await queryInflux(services.influxdbUrl, db, 'SHOW TAG KEYS FROM butler_sos_errors');
    const tagKeys = (tagSeries[0]?.values ?? []).map(([k]) => String(k));
    for (const tag of tagKeys)
      assert.ok((ERROR_TAGS_ALLOWED as readonly string[]).includes(tag), `tag ${tag}`);

    for (const row of rows) {
      for (const tag of ERROR_TAGS_ALWAYS) assert.ok(row[tag], `${tag} always present`);
      assert.equal(row.error_count, 1);
      assert.ok((ERROR_CATEGORIES as readonly string[]).includes(String(row.error_category)));
    }

    // A failed QRS app list: server_name is appNames.hostIP (docs/reference/influxdb.md#error-events).
    for (const row of rows.filter((r) => r.error_type === APP_NAMES_EXTRACT)) {
      assert.equal(row.server_name, sim.qrsHost);
      assert.equal(row.error_category, 'http_5xx');
      assert.equal(row.http_status, 500);
    }

    const expectations: [SimulatedServer, keyof typeof CAUSES][] = [
      [refused, 'refuse'],
      [erroring, 'http500'],
      [hanging, 'timeout'],
    ];
    for (const [server, mode] of expectations) {
      for (const row of rowsOf(rows, server, HEALTH_API)) {
        assert.equal(row.error_category, CAUSES[mode].category, `${server.serverName} health`);
        // host includes the port (docs/reference/influxdb.md#error-events); no virtual proxy on health polls.
        assert.equal(row.host, server.engineHost);
        assert.equal(row.virtual_proxy, null);
        // origin + pathname of the healthcheck (docs/reference/sense-apis.md#healthcheck-request),
        // no query string.
        assert.equal(row.request_url, `https://${server.engineHost}/engine/healthcheck`);
      }
      const proxyRows = rowsOf(rows, server, PROXY_API);
      for (const row of proxyRows) {
        assert.equal(row.error_category, CAUSES[mode].category, `${server.serverName} proxy`);
        assert.equal(row.host, server.proxyHost);
        assert.ok(VIRTUAL_PROXIES.includes(String(row.virtual_proxy)), `virtual_proxy ${row.virtual_proxy}`);
        const prefix = row.virtual_proxy === '/' ? '' : String(row.virtual_proxy);
        assert.equal(row.request_url, `https://${server.proxyHost}/qps${prefix}/session`);
      }
      for (const row of [...rowsOf(rows, server, HEALTH_API), ...proxyRows]) {
        if (mode === 'refuse') {
          // Socket errors carry the OS code and the remote end (docs/reference/influxdb.md#error-events).
          assert.equal(row.error_code, 'ECONNREFUSED');
          assert.equal(row.syscall, 'connect');
          assert.equal(row.remote_port, Number(String(row.host).split(':')[1]));
        }
        if (mode === 'http500') assert.equal(row.http_status, 500);
        if (mode === 'timeout') assert.equal(typeof row.request_timeout_ms, 'number');
      }
    }
  });

  it('logs each failing target once (server name and cause), not on every failed poll', async () => {
    const cases: [SimulatedServer, keyof typeof CAUSES][] = [
      [refused, 'refuse'],
      [erroring, 'http500'],
      [hanging, 'timeout'],
    ];
    // By now (previous test) refused/erroring have failed at least 3 health polls each.
    for (const [server, mode] of cases) {
      const health = errorLinesAbout(server, server.engineHost);
      assert.equal(
        health.length,
        1,
        `one error line for ${server.serverName} health: ${JSON.stringify(health)}`,
      );
      assert.match(health[0]?.message ?? '', CAUSES[mode].log);
      // One per virtual proxy.
      const proxy = errorLinesAbout(server, server.proxyHost);
      assert.equal(
        proxy.length,
        VIRTUAL_PROXIES.length,
        `${server.serverName} proxy: ${JSON.stringify(proxy)}`,
      );
      for (const line of proxy) assert.match(line.message, CAUSES[mode].log);
    }
    const qrs = agent.lines.filter((l) => l.level === 'error' && l.message.includes(sim.qrsHost));
    assert.equal(qrs.length, 1, `one error line for the QRS: ${JSON.stringify(qrs)}`);
    assert.match(qrs[0]?.message ?? '', CAUSES.http500.log);
  });

  it('logs a change of cause once more, and the recovery', async () => {
    await refused.setFailure('http500');
    await waitFor(() => errorLinesAbout(refused, refused.engineHost).length === 2, 10_000);
    const lines = errorLinesAbout(refused, refused.engineHost);
    assert.match(lines[1]?.message ?? '', CAUSES.http500.log);

    await Promise.all([...sim.servers.map((s) => s.setFailure(null)), sim.setQrsFailure(null)]);
    await waitFor(
      () => agent.lines.some((l) => /recover/i.test(l.message) && l.message.includes(sim.qrsHost)),
      TIMEOUT_WAIT_MS,
    );
    for (const server of [refused, erroring, hanging]) {
      await waitFor(() => recoveryLinesAbout(server, server.engineHost).length === 1, TIMEOUT_WAIT_MS);
      await waitFor(
        () => recoveryLinesAbout(server, server.proxyHost).length === VIRTUAL_PROXIES.length,
        TIMEOUT_WAIT_MS,
      );
    }
    // No further error lines after recovery.
    const before = agent.lines.filter((l) => l.level === 'error').length;
    await new Promise((resolve) => setTimeout(resolve, 2 * POLL_MS));
    assert.equal(agent.lines.filter((l) => l.level === 'error').length, before);
  });
});
