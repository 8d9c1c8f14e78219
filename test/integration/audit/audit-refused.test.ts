/**
 * A point InfluxDB refuses for good is not retried for ever: events older than the database's
 * retention policy are refused by InfluxDB (a partial write), counted as rejected, and let go
 * from the journal, while the rest of the same batches is stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { type RunningAgent, startAgent } from '../../../src/agent/agent.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { postEnvelope, uniqueViewEnvelope } from '../../support/audit-envelopes.ts';
import { freePort, queryInflux, sharedServices, uniqueName, waitFor } from '../../support/services.ts';

const folder = mkdtempSync(join(tmpdir(), 'butler-sos-audit-refused-'));
const influxUrl = sharedServices().influxdbUrl;
const db = uniqueName('audit_rp');
let agent: RunningAgent;
let origin: string;

before(async () => {
  const port = await freePort();
  const url = new URL(influxUrl);
  const yaml = stringify({
    'Butler-SOS': {
      fileLogging: false,
      anonTelemetry: false,
      systemInfo: { enable: false },
      delivery: { spoolDirectory: join(folder, 'spool'), flushIntervalMs: 100 },
      auditEvents: {
        enable: true,
        host: '127.0.0.1',
        port,
        apiToken: 'change-me',
        destination: {
          enable: true,
          type: 'influxdb',
          influxdb: {
            metadata: {
              host: url.hostname,
              port: Number(url.port),
              version: 1,
              writeFrequency: 200,
              v1Config: { dbName: db, retentionPolicy: { name: 'one_hour', duration: '1h' } },
            },
          },
        },
      },
    },
  });
  agent = await startAgent({
    config: loadConfigText(yaml, 'refused.yaml').config,
    log: createRecordingLogger(),
    version: '0.0.0-test',
    configView: () => ({}),
  });
  origin = `http://127.0.0.1:${port}`;
});

after(async () => {
  await agent?.stop(3000);
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${db}"`)}`, {
    method: 'POST',
  }).catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

const journalRecords = () =>
  agent.sources.flatMap((s) => s.metrics?.() ?? []).find((m) => m.name === 'butler_sos_audit_journal_records')
    ?.value ?? -1;

test('events outside the retention policy are rejected once; the others are stored', async () => {
  const now = Date.now();
  const fresh = Array.from({ length: 5 }, (_, i) => uniqueViewEnvelope(i, now - 60_000));
  const old = Array.from({ length: 2 }, (_, i) => uniqueViewEnvelope(100 + i, now - 3 * 86_400_000));
  for (const envelope of [fresh[0]!, old[0]!, ...fresh.slice(1), old[1]!])
    assert.equal((await postEnvelope(origin, envelope)).status, 202);

  const stored = await waitFor(async () => {
    const series = await queryInflux(influxUrl, db, 'SELECT durationMs, eventId FROM audit_event').catch(
      () => [],
    );
    return series[0]?.values.length === 5 ? series[0] : undefined;
  }, 15_000);
  const ids = stored.values.map((row) => row[stored.columns.indexOf('eventId')]).sort();
  assert.deepEqual(ids, fresh.map((e) => e.eventId).sort());

  await waitFor(async () => (journalRecords() === 0 ? true : undefined), 10_000);
  const status = agent
    .status()
    .destinations.find((d) => d.name.includes('audit_event') || d.name.includes(db));
  assert.ok(status, JSON.stringify(agent.status().destinations.map((d) => d.name)));
  assert.deepEqual(status.dropped, { rejected: 2 });
  const deliveredBefore = status.delivered;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const later = agent.status().destinations.find((d) => d.name === status.name)!;
  assert.equal(later.delivered, deliveredBefore, 'nothing is written again');
  assert.deepEqual(later.dropped, { rejected: 2 });
});
