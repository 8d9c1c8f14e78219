/**
 * The log database poller through the whole agent
 * (docs/reference/sense-apis.md#qlogs-log-database): a private PostgreSQL holds a `QLogs`
 * database with the Sense table shape and a read-only user; the agent (in this process) polls it
 * every second with `logdb.enable: true`, one server of the simulated cluster claims the host
 * `qscentral.northwind.test` through `logDbHost`, and InfluxDB 1.x (own database) and MQTT (own
 * base topic) are on. Rows are inserted before the first poll and again after several polls.
 * Checked:
 *
 * - InfluxDB `log_event_logdb`: exactly one point per matching warning / error / fatal row,
 *   with the docs/reference/sense-apis.md#qlogs-rows-to-records tags plus the server's tags, a
 *   string field `message`, and the entry time;
 * - INFO rows go nowhere (extractInfo is false);
 * - a row of a host no server claims is not in InfluxDB but is on MQTT;
 * - MQTT: `<baseTopic><process_host>/<process_name>/<level>` with the message as payload,
 *   every row exactly once across polls (InfluxDB would hide a repeated row: the same tags
 *   and time overwrite the point, so repeats are counted on MQTT);
 * - the reader password never appears in the log.
 *
 * The private PostgreSQL is needed because the agent connects to the database named
 * `QLogs` (as Sense names it, no config key), which the shared server cannot hold for
 * several test processes at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import pg from 'pg';
import { parse } from 'yaml';
import type { RunningSimulator } from '../../../sim/index.ts';
import { configSnippet } from '../../../sim/index.ts';
import { type InProcessAgent, startAgentInProcess } from '../../support/agent-config.ts';
import { QLOGS_LOG_ENTRIES_DDL } from '../../support/qlogs.ts';
import {
  type PrivateService,
  queryInflux,
  sharedServices,
  startPrivatePostgres,
  uniqueName,
  waitFor,
} from '../../support/services.ts';
import {
  dropInfluxDatabase,
  type SimulatedCluster,
  startSimulatedCluster,
} from '../agent/simulated-cluster.ts';

const SCHEMA = QLOGS_LOG_ENTRIES_DDL;

const READER_USER = 'qlogs_reader';
const READER_PASSWORD = 'qlogs-reader-secret-4711';
/** The minimum the poller accepts. */
const POLL_MS = 1000;
const CLAIMED_HOST = 'qscentral.northwind.test';
const UNKNOWN_HOST = 'qsnode-x.northwind.test';

interface Row {
  id: string;
  level: string;
  host: string;
  process: string;
  message: string;
  timeMs: number;
}

type InfluxRow = Record<string, unknown>;

/** Nanoseconds since the epoch of an InfluxDB RFC 3339 time (up to 9 fraction digits). */
function nanosOf(rfc3339: string): bigint {
  const match = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(rfc3339);
  assert.ok(match, `unexpected InfluxDB time ${rfc3339}`);
  const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

describe('agent: Sense log database rows reach InfluxDB and MQTT once each', () => {
  const services = sharedServices();
  const influxDb = uniqueName('agent_logdb');
  const tag = uniqueName('logdb');
  const baseTopic = `${uniqueName('logdbtest')}/`;
  const serverGroup = uniqueName('LOGDB_GROUP');
  let postgres: PrivateService | undefined;
  let admin: pg.Client | undefined;
  let cluster: SimulatedCluster | undefined;
  let sim: RunningSimulator;
  let agent: InProcessAgent | undefined;
  let subscriber: mqtt.MqttClient | undefined;
  const received: { topic: string; payload: string }[] = [];
  const rows: Row[] = [];
  let claimedServer: { serverName: string; serverDescription: string };

  /** Inserts a row `ageMs` before now (whole milliseconds, as the agent's times are). */
  const insert = async (level: string, host: string, process: string, label: string, ageMs: number) => {
    const time = new Date(Date.now() - ageMs);
    const message = `${tag} ${label}`;
    // The Date goes in as local time, the column has no time zone and the pg driver reads it
    // back as local time; the database's time zone is set to this process's (see before()).
    const result = await admin!.query<{ id: string }>(
      `INSERT INTO public.log_entries (entry_timestamp, entry_level, process_host, process_name, payload)
       VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id`,
      [time, level, host, process, JSON.stringify({ Message: message, Logger: 'System.Proxy.Proxy' })],
    );
    const row = { id: result.rows[0]!.id, level, host, process, message, timeMs: time.getTime() };
    rows.push(row);
    return row;
  };

  /** Rows the agent should forward at all: warnings, errors and fatals. */
  const forwarded = () => rows.filter((r) => r.level !== 'INFO');
  const stored = () => forwarded().filter((r) => r.host === CLAIMED_HOST);
  const topicOf = (r: Row) => `${baseTopic}${r.host}/${r.process}/${r.level}`;
  const ourMessages = () => received.filter((m) => m.payload.startsWith(`${tag} `));

  const influxRows = async (): Promise<InfluxRow[]> => {
    const series = await queryInflux(services.influxdbUrl, influxDb, 'SELECT * FROM log_event_logdb');
    const first = series[0];
    if (!first) return [];
    return first.values.map((v) => Object.fromEntries(first.columns.map((c, i) => [c, v[i]])));
  };

  /** Polls the agent has finished (it logs a count after every successful query). */
  const pollsDone = () => agent!.lines.filter((l) => /^LOG DB: \d+ new log rows/.test(l.message)).length;

  before(async () => {
    postgres = await startPrivatePostgres();
    const server = new pg.Client({ connectionString: postgres.url });
    await server.connect();
    try {
      await server.query('CREATE DATABASE "QLogs"');
      await server.query(`CREATE ROLE ${READER_USER} LOGIN PASSWORD '${READER_PASSWORD}'`);
      // `entry_timestamp > now() - queryPeriod` compares in the session's time zone.
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      await server.query(`ALTER DATABASE "QLogs" SET timezone TO '${zone.replaceAll("'", '')}'`);
    } finally {
      await server.end();
    }
    const qlogsUrl = new URL(postgres.url);
    qlogsUrl.pathname = '/QLogs';
    admin = new pg.Client({ connectionString: qlogsUrl.href });
    await admin.connect();
    await admin.query(SCHEMA);
    await admin.query(`GRANT SELECT ON public.log_entries TO ${READER_USER}`);

    subscriber = await mqtt.connectAsync(services.mosquittoUrl, { reconnectPeriod: 0 });
    subscriber.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
    await subscriber.subscribeAsync(`${baseTopic}#`, { qos: 1 });

    cluster = await startSimulatedCluster(61);
    sim = cluster.sim;
    const servers = (
      parse(configSnippet(sim))['Butler-SOS'].serversToMonitor.servers as Record<string, unknown>[]
    ).map((s, i) => ({
      ...s,
      serverTags: { server_group: serverGroup },
      ...(i === 0 ? { logDbHost: CLAIMED_HOST } : {}),
    }));
    claimedServer = servers[0] as unknown as typeof claimedServer;

    // First batch, there before the agent's first poll.
    await insert('ERROR', CLAIMED_HOST, 'Proxy', 'first error', 4000);
    await insert('WARN', CLAIMED_HOST, 'Engine', 'first warning', 3500);
    await insert('INFO', CLAIMED_HOST, 'Proxy', 'first info', 3000);
    await insert('FATAL', CLAIMED_HOST, 'Repository', 'first fatal', 2500);
    await insert('ERROR', UNKNOWN_HOST, 'Scheduler', 'first stranger error', 2000);

    agent = await startAgentInProcess({
      sim,
      pollingIntervalMs: 60_000,
      destinations: {
        influxdb: { version: 1, url: services.influxdbUrl, dbName: influxDb },
        mqtt: { url: services.mosquittoUrl, baseTopic },
      },
      extra: {
        serversToMonitor: { servers },
        logdb: {
          enable: true,
          pollingInterval: POLL_MS,
          queryPeriod: '5 minutes',
          host: '127.0.0.1',
          port: postgres.port,
          qlogsReaderUser: READER_USER,
          qlogsReaderPwd: READER_PASSWORD,
          extractErrors: true,
          extractWarnings: true,
          extractInfo: false,
        },
      },
    });

    // The first batch is out, then a few more polls re-read the same window.
    await waitFor(() => ourMessages().length >= 4, 15_000);
    const after1 = pollsDone();
    await waitFor(() => pollsDone() >= after1 + 2, 10_000);

    // Second batch, between polls.
    await insert('WARN', CLAIMED_HOST, 'Proxy', 'second warning', 500);
    await insert('INFO', UNKNOWN_HOST, 'Proxy', 'second stranger info', 400);
    await insert('ERROR', CLAIMED_HOST, 'Scheduler', 'second error', 300);
    await waitFor(() => ourMessages().length >= forwarded().length, 15_000);
    // Again a few polls that would bring repeats, and until InfluxDB has every point.
    const after2 = pollsDone();
    await waitFor(() => pollsDone() >= after2 + 2, 10_000);
    await waitFor(async () => (await influxRows()).length >= stored().length, 10_000);
  });

  after(async () => {
    await agent?.stop();
    await subscriber?.endAsync();
    await cluster?.stop();
    await admin?.end();
    await postgres?.stop();
    await dropInfluxDatabase(services.influxdbUrl, influxDb);
  });

  it('writes exactly one log_event_logdb point per warning, error and fatal row of the claimed host', async () => {
    const points = await influxRows();
    const messages = points.map((p) => p.message).sort();
    assert.deepEqual(
      messages,
      stored()
        .map((r) => r.message)
        .sort(),
    );
    assert.equal(stored().length, 5);
  });

  it('tags each point with the row and the claiming server, and times it at the entry time', async () => {
    const points = await influxRows();
    for (const row of stored()) {
      const point = points.find((p) => p.message === row.message);
      assert.ok(point, `no point for ${row.message}`);
      assert.equal(point.host, row.host);
      assert.equal(point.server_name, claimedServer.serverName);
      assert.equal(point.server_description, claimedServer.serverDescription);
      assert.equal(point.source_process, row.process);
      assert.equal(point.log_level, row.level);
      assert.equal(point.server_group, serverGroup);
      // Whole milliseconds of the point are the entry time (sub-millisecond nanoseconds keep
      // rows of one millisecond apart).
      const ns = nanosOf(String(point.time));
      assert.equal(ns / 1_000_000n, BigInt(row.timeMs), `time of ${row.message}: ${point.time}`);
    }
    const tagKeys = await queryInflux(services.influxdbUrl, influxDb, 'SHOW TAG KEYS FROM log_event_logdb');
    assert.deepEqual(tagKeys[0]?.values.map((v) => v[0]).sort(), [
      'host',
      'log_level',
      'server_description',
      'server_group',
      'server_name',
      'source_process',
    ]);
    const fieldKeys = await queryInflux(
      services.influxdbUrl,
      influxDb,
      'SHOW FIELD KEYS FROM log_event_logdb',
    );
    assert.deepEqual(fieldKeys[0]?.values, [['message', 'string']]);
  });

  it('leaves INFO rows out and keeps the unclaimed host out of InfluxDB', async () => {
    const points = await influxRows();
    assert.ok(rows.some((r) => r.level === 'INFO'));
    assert.ok(!points.some((p) => /info$/.test(String(p.message))), 'an INFO row reached InfluxDB');
    assert.ok(!points.some((p) => p.host === UNKNOWN_HOST), 'the unclaimed host reached InfluxDB');
    assert.ok(!ourMessages().some((m) => m.topic.endsWith('/INFO')), 'an INFO row reached MQTT');
    const stranger = rows.find((r) => r.host === UNKNOWN_HOST && r.level === 'ERROR')!;
    assert.ok(
      agent!.lines.some((l) => l.message.includes(`"${UNKNOWN_HOST}"`) && l.message.includes(stranger.id)),
      'the unclaimed row is not logged',
    );
  });

  it('publishes every forwarded row once on <baseTopic><host>/<process>/<level>, the unclaimed host included', () => {
    const expected = forwarded()
      .map((r) => ({ topic: topicOf(r), payload: r.message }))
      .sort((a, b) => a.payload.localeCompare(b.payload));
    const actual = [...ourMessages()].sort((a, b) => a.payload.localeCompare(b.payload));
    assert.deepEqual(actual, expected);
    assert.ok(actual.some((m) => m.topic === `${baseTopic}${UNKNOWN_HOST}/Scheduler/ERROR`));
  });

  it('never logs the reader password', () => {
    const leaking = agent!.lines.filter((l) => JSON.stringify(l).includes(READER_PASSWORD));
    assert.deepEqual(leaking, []);
  });
});
