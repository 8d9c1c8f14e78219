/**
 * The audit API through the whole agent, with every destination on: events posted over real
 * HTTP, read back from a real InfluxDB 1.x (tags, fields and their types), the JSON files, the
 * Parquet files (DuckDB) and the QVD files (the test reader); the journal is empty once all
 * is stored, and a clean stop leaves nothing to replay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { type RunningAgent, startAgent } from '../../../src/agent/agent.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import { createRecordingLogger, type RecordedLine } from '../../../src/logging/logger.ts';
import {
  postEnvelope,
  screenshotEnvelope,
  selectionEnvelope,
  viewEnvelope,
} from '../../support/audit-envelopes.ts';
import { readQvd } from '../../support/qvd-reader.ts';
import { freePort, queryInflux, sharedServices, uniqueName, waitFor } from '../../support/services.ts';

const folder = mkdtempSync(join(tmpdir(), 'butler-sos-audit-agent-'));
const influxUrl = sharedServices().influxdbUrl;
const db = uniqueName('audit');
const mainDb = uniqueName('audit_main');
let agent: RunningAgent;
let lines: RecordedLine[];
let origin: string;

function auditConfig(port: number): string {
  const url = new URL(influxUrl);
  return stringify({
    'Butler-SOS': {
      fileLogging: false,
      anonTelemetry: false,
      systemInfo: { enable: false },
      delivery: { spoolDirectory: join(folder, 'spool'), flushIntervalMs: 100 },
      // The main connection: only the audit queue's samples go there.
      influxdbConfig: {
        enable: true,
        host: url.hostname,
        port: Number(url.port),
        version: 1,
        v1Config: { dbName: mainDb },
      },
      auditEvents: {
        enable: true,
        host: '127.0.0.1',
        port,
        apiToken: 'change-me',
        queue: {
          queueMetrics: {
            influxdb: { enable: true, writeFrequency: 300, tags: [{ name: 'site', value: 'lab' }] },
          },
        },
        destination: {
          enable: true,
          type: 'influxdb, parquet, qvd, json',
          influxdb: {
            metadata: {
              host: url.hostname,
              port: Number(url.port),
              version: 1,
              staticTags: [{ name: 'env', value: 'prod' }],
              v1Config: { dbName: db, retentionPolicy: { name: 'audit_rp', duration: '3650d' } },
            },
          },
          parquet: { metadata: { exportDirectory: join(folder, 'parquet'), writeFrequency: 200 } },
          qvd: { metadata: { exportDirectory: join(folder, 'qvd'), writeFrequency: 200 } },
          json: { objectdata: { enable: true, exportDirectory: join(folder, 'json'), staticTags: null } },
        },
      },
    },
  });
}

before(async () => {
  const port = await freePort();
  const config = loadConfigText(auditConfig(port), 'audit.yaml').config;
  const log = createRecordingLogger();
  lines = log.lines;
  agent = await startAgent({ config, log, version: '0.0.0-test', configView: () => ({}) });
  origin = `http://127.0.0.1:${port}`;
});

after(async () => {
  await agent?.stop(3000);
  for (const name of [db, mainDb])
    await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${name}"`)}`, {
      method: 'POST',
    }).catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

const filesIn = (dir: string) => {
  try {
    return readdirSync(join(folder, dir)).filter((name) => !name.endsWith('.tmp'));
  } catch {
    return [];
  }
};

function journalRecords(): number {
  const sample = agent.sources
    .flatMap((s) => s.metrics?.() ?? [])
    .find((m) => m.name === 'butler_sos_audit_journal_records');
  return sample?.value ?? -1;
}

test('events reach InfluxDB, JSON, Parquet and QVD; the journal empties', async () => {
  const bookmark = selectionEnvelope({
    eventId: '9a8b7c6d-0000-4000-8000-000000000001',
    type: 'event.bookmark',
    payload: { context: { user: 'LAB\\ola', appId: '3b1f0d6a-92c4-4e8b-a7d5-6f2e1c0b9a88' } },
  });
  const sent = [
    selectionEnvelope(),
    viewEnvelope(),
    screenshotEnvelope('https://sense.example/tempcontent/x.png'),
    bookmark,
  ];
  for (const envelope of sent) assert.equal((await postEnvelope(origin, envelope)).status, 202);
  assert.equal((await postEnvelope(origin, selectionEnvelope({ eventId: 'bad' }))).status, 422);

  const series = await waitFor(async () => {
    const result = await queryInflux(influxUrl, db, 'SELECT * FROM audit_event').catch(() => []);
    return result[0]?.values.length === 3 ? result[0] : undefined;
  }, 20_000);
  const rows = series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])));
  const byType = Object.fromEntries(rows.map((r) => [r.eventType, r]));
  assert.deepEqual(Object.keys(byType).sort(), [
    'object.view.duration',
    'screenshot.url.received',
    'selection.state.changed',
  ]);
  const view = byType['object.view.duration']!;
  assert.equal(view.durationMs, 8450);
  assert.equal(view.visible, false);
  assert.equal(view.objectType, 'linechart');
  assert.equal(view.env, 'prod');
  assert.equal(view.time, '2026-03-02T08:15:31.004Z');
  assert.equal(
    byType['selection.state.changed']!.selectionDetails,
    '[{"qField":"Quarter","qSelectedCount":1,"qSelected":"Q1"}]',
  );

  const fieldTypes = await queryInflux(influxUrl, db, 'SHOW FIELD KEYS FROM audit_event');
  const types = Object.fromEntries(fieldTypes[0]!.values.map(([k, t]) => [k, t]));
  assert.deepEqual(types, {
    dataStateId: 'float',
    durationMs: 'float',
    enterSelectionTxnId: 'string',
    enteredAt: 'string',
    leaveSelectionTxnId: 'string',
    leftAt: 'string',
    objectData: 'string',
    objectId: 'string',
    screenshotUrl: 'string',
    selectionDetails: 'string',
    sheetId: 'string',
    sheetName: 'string',
    visible: 'boolean',
  });
  const retention = await queryInflux(influxUrl, db, 'SHOW RETENTION POLICIES');
  assert.ok(
    retention[0]!.values.some((r) => r[0] === 'audit_rp' && r.at(-1) === true),
    'audit_rp is the default policy',
  );

  await waitFor(
    () =>
      filesIn('json').length === 1 && filesIn('parquet').length > 0 && filesIn('qvd').length > 0
        ? true
        : undefined,
    10_000,
  );
  const json = JSON.parse(readFileSync(join(folder, 'json', filesIn('json')[0]!), 'utf8'));
  assert.equal(json.eventId, '2a9d4e71-3c5b-4f08-b6e2-d1c0a9b8f7e6');
  assert.equal(json.tags, null);

  const qvdRows = await waitFor(() => {
    const all = filesIn('qvd').flatMap((name) => readQvd(readFileSync(join(folder, 'qvd', name))).rows);
    return all.length === 4 ? all : undefined;
  }, 10_000);
  assert.deepEqual(qvdRows.map((r) => r.eventType).sort(), sent.map((e) => e.type as string).sort());

  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    const read = await connection.runAndReadAll(
      `SELECT eventId, eventType, visible FROM read_parquet('${join(folder, 'parquet')}/*.parquet')`,
    );
    assert.deepEqual(
      read
        .getRowObjectsJson()
        .map((r) => r.eventId)
        .sort(),
      sent.map((e) => e.eventId as string).sort(),
    );
  } finally {
    connection.closeSync();
    duck.closeSync();
  }

  await waitFor(() => (journalRecords() === 0 ? true : undefined), 10_000);
  assert.ok(
    lines.some((l) => l.message.includes('without any field not written')),
    'the field-less bookmark is warned about',
  );
});

test('audit_events_queue samples reach the main InfluxDB connection, counting what reached the queue', async () => {
  const before = await queuedSoFar();
  for (let i = 0; i < 3; i++) assert.equal((await postEnvelope(origin, viewEnvelope())).status, 202);
  await waitFor(async () => ((await queuedSoFar()) - before >= 3 ? true : undefined), 10_000);
  const tags = await queryInflux(
    influxUrl,
    mainDb,
    'SHOW TAG VALUES FROM audit_events_queue WITH KEY IN ("queue_type", "site", "host")',
  );
  const values = Object.fromEntries(tags[0]!.values.map(([k, v]) => [k, v]));
  assert.equal(values.queue_type, 'audit_events');
  assert.equal(values.site, 'lab');
  assert.ok(values.host && values.host !== 'undefined', `host tag ${values.host}`);
  const fields = await queryInflux(influxUrl, mainDb, 'SHOW FIELD KEYS FROM audit_events_queue');
  const names = fields[0]!.values.map(([k]) => k);
  for (const name of ['queue_running', 'queue_pending', 'messages_received', 'processing_time_p95_ms'])
    assert.ok(names.includes(name), name);
  assert.ok(
    fields[0]!.values.every(([, type]) => type === 'float'),
    'InfluxDB 1.x: every field a float',
  );
  assert.equal(
    (await queryInflux(influxUrl, db, 'SHOW MEASUREMENTS'))[0]!.values.flat().includes('audit_events_queue'),
    false,
    'not on the audit destination connection',
  );
});

/** Events counted as queued in all audit_events_queue samples so far (counters are deltas). */
async function queuedSoFar(): Promise<number> {
  const series = await queryInflux(
    influxUrl,
    mainDb,
    'SELECT sum(messages_queued) FROM audit_events_queue',
  ).catch(() => []);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}
