/**
 * What each audit destination makes of an event: the `audit_event` line (the reference's
 * examples, byte for byte), the JSON file, the Parquet file read back by DuckDB (an
 * independent reader), and the QVD file read back by the test reader, every column and type.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { auditEventToInflux } from '../../../src/audit/influx-point.ts';
import { auditJsonFile } from '../../../src/audit/json-document.ts';
import { writeQvd } from '../../../src/audit/qvd-writer.ts';
import { AUDIT_COLUMNS, auditRow } from '../../../src/audit/row.ts';
import { encodeParquet } from '../../../src/destinations/audit-parquet/destination.ts';
import { encodeQvd } from '../../../src/destinations/audit-qvd/destination.ts';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import type { AuditEventRecord } from '../../../src/records/audit-event.ts';
import { reduceSelectionDetails } from '../../../src/sources/audit-api/handlers.ts';
import {
  sampleAuditRecord,
  screenshotEnvelope,
  selectionEnvelope,
  viewEnvelope,
} from '../../support/audit-envelopes.ts';
import { readQvd } from '../../support/qvd-reader.ts';

const folder = mkdtempSync(join(tmpdir(), 'audit-outputs-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const PROD = [{ name: 'env', value: 'prod' }];
const INFLUX = { measurementName: 'audit_event', auditEventSchemaVersion: '1', staticTags: PROD };

function selectionRecord(): AuditEventRecord {
  const record = sampleAuditRecord(selectionEnvelope());
  const event = record.envelope.payload.event as Record<string, unknown>;
  record.extras.selectionDetails = reduceSelectionDetails(event.details);
  return record;
}

const line = (record: AuditEventRecord) => encodeLine(auditEventToInflux(record, INFLUX)!);

describe('audit_event points', () => {
  test('example A (a selection) is the reference line', () => {
    assert.equal(
      line(selectionRecord()),
      'audit_event,eventType=selection.state.changed,auditEventSchemaVersion=1,eventId=0f6b1c2e-8d4a-4b7e-9a31-5c2d7e8f9a10,correlationId=7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f,selectionTxnId=7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f,user=UserDirectory\\=CORP;\\ UserId\\=m.berg,userDirectory=CORP,userId=m.berg,appId=3b1f0d6a-92c4-4e8b-a7d5-6f2e1c0b9a88,appName=Finance\\ KPIs,env=prod selectionDetails="[{\\"qField\\":\\"Quarter\\",\\"qSelectedCount\\":1,\\"qSelected\\":\\"Q1\\"}]",sheetId="JpQmRs",sheetName="Cash flow" 1772439330250000000',
    );
  });

  test('example B (a view with object data) is the reference line', () => {
    assert.equal(
      line(sampleAuditRecord(viewEnvelope())),
      'audit_event,eventType=object.view.duration,auditEventSchemaVersion=1,eventId=2a9d4e71-3c5b-4f08-b6e2-d1c0a9b8f7e6,correlationId=7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f,selectionTxnId=7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f,user=CORP\\m.berg,userDirectory=CORP,userId=m.berg,appId=3b1f0d6a-92c4-4e8b-a7d5-6f2e1c0b9a88,appName=Finance\\ KPIs,env=prod,objectType=linechart dataStateId=1772439331004,durationMs=8450,enterSelectionTxnId="e4d3c2b1-0a9f-4e8d-9c7b-6a5f4e3d2c1b",enteredAt="2026-03-02T08:15:22.554Z",leaveSelectionTxnId="7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f",leftAt="2026-03-02T08:15:31.004Z",objectData="{\\"schemaVersion\\":1,\\"objectType\\":\\"linechart\\",\\"dimensions\\":[{\\"fieldName\\":\\"Month\\",\\"label\\":\\"Month\\",\\"values\\":[\\"Jan\\",\\"Feb\\"]}],\\"measures\\":[{\\"label\\":\\"Net cash\\",\\"values\\":[\\"1200\\",\\"-300\\"]}]}",objectId="hGtRq",sheetId="JpQmRs",sheetName="Cash flow",visible=false 1772439331004000000',
    );
  });

  test('example C (a screenshot), with saved paths when a download wrote files', () => {
    const record = sampleAuditRecord(
      screenshotEnvelope('https://sense.corp.example/tempcontent/8e1f/hGtRq.png?serverNodeId=51a2'),
    );
    assert.equal(
      line(record),
      'audit_event,eventType=screenshot.url.received,auditEventSchemaVersion=1,eventId=5be0f3a2-71c9-4d2e-8f6a-0b1c2d3e4f50,correlationId=1772439332100,selectionTxnId=9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a,user=UserDirectory\\=CORP;\\ UserId\\=m.berg,userDirectory=CORP,userId=m.berg,appId=3b1f0d6a-92c4-4e8b-a7d5-6f2e1c0b9a88,appName=Finance\\ KPIs,env=prod dataStateId=1772439332100,objectId="hGtRq",screenshotUrl="https://sense.corp.example/tempcontent/8e1f/hGtRq.png?serverNodeId=51a2",sheetId="JpQmRs",sheetName="Cash flow" 1772439332100000000',
    );
    record.extras.savedPaths = [
      '/data/shots/20260302T081532.100Z_5be0f3a2-71c9-4d2e-8f6a-0b1c2d3e4f50_1772439332100.png',
    ];
    assert.match(
      line(record),
      /,screenshotSavedPaths="\[\\"\/data\/shots\/20260302T081532\.100Z_5be0f3a2-71c9-4d2e-8f6a-0b1c2d3e4f50_1772439332100\.png\\"\]",/,
    );
  });

  test('an event without any field gives no point; numbers are floats; a 0 data state is left out', () => {
    const bookmark = sampleAuditRecord(
      selectionEnvelope({ type: 'event.bookmark', payload: { context: { user: 'LAB\\ola' } } }),
    );
    assert.equal(auditEventToInflux(bookmark, INFLUX), undefined);
    const zero = sampleAuditRecord(viewEnvelope());
    (zero.envelope.payload.event as Record<string, unknown>).dataStateId = 0;
    (zero.envelope.payload.event as Record<string, unknown>).duration = 12.5;
    const point = auditEventToInflux(zero, INFLUX)!;
    assert.equal(point.fields.dataStateId, undefined);
    assert.deepEqual(point.fields.durationMs, { type: 'float', value: 12.5 });
  });
});

describe('JSON files', () => {
  test('example B: upstream name and content; events without object data get no file', () => {
    const file = auditJsonFile(sampleAuditRecord(viewEnvelope()), PROD)!;
    assert.equal(
      file.name,
      '20260302T081531.004Z_2a9d4e71-3c5b-4f08-b6e2-d1c0a9b8f7e6_7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f.json',
    );
    const doc = JSON.parse(file.content);
    assert.deepEqual(Object.keys(doc), [
      'eventId',
      'correlationId',
      'timestamp',
      'eventType',
      'user',
      'userDirectory',
      'userId',
      'appId',
      'appName',
      'sheetId',
      'sheetName',
      'objectId',
      'objectType',
      'selectionTxnId',
      'durationMs',
      'visible',
      'enteredAt',
      'leftAt',
      'dataStateId',
      'screenshotUrl',
      'screenshotSavedPaths',
      'selectionDetails',
      'objectData',
      'tags',
    ]);
    assert.equal(doc.user, 'CORP\\m.berg');
    assert.equal(doc.durationMs, 8450);
    assert.equal(doc.visible, false);
    assert.equal(doc.screenshotUrl, null);
    assert.deepEqual(doc.tags, { env: 'prod' });
    assert.equal(file.content, JSON.stringify(doc, null, 2));
    assert.equal(auditJsonFile(selectionRecord(), PROD), undefined);
    const odd = sampleAuditRecord(
      viewEnvelope({
        eventId: '../../etc/passwd',
        correlationId: undefined,
        timestamp: '2026-12-31T23:59:60Z',
      }),
    );
    assert.equal(auditJsonFile(odd, [])!.name, 'invalid_timestamp_.._.._etc_passwd_none.json');
  });
});

const allTypes = (): AuditEventRecord[] => {
  const shot = sampleAuditRecord(screenshotEnvelope('https://sense.example/x.png'));
  shot.extras.savedPaths = ['/shots/a.png'];
  const fractional = sampleAuditRecord(viewEnvelope({ eventId: 'ab' }));
  (fractional.envelope.payload.event as Record<string, unknown>).duration = 1.5;
  (fractional.envelope.payload.event as Record<string, unknown>).visible = true;
  return [sampleAuditRecord(viewEnvelope()), selectionRecord(), shot, fractional];
};

describe('Parquet files', () => {
  test('DuckDB reads every column with its type and value', async () => {
    const rows = allTypes().map((r) => auditRow(r, PROD));
    const path = join(folder, 'rows.parquet');
    writeFileSync(path, encodeParquet(rows));
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
      const types = Object.fromEntries(
        described.getRowObjectsJson().map((r) => [r.column_name, r.column_type]),
      );
      for (const [name, kind] of AUDIT_COLUMNS) {
        assert.equal(types[name], { int64: 'BIGINT', text: 'VARCHAR', boolean: 'BOOLEAN' }[kind], name);
      }
      const read = (
        await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)
      ).getRowObjectsJson();
      assert.equal(read.length, rows.length);
      rows.forEach((row, i) => {
        for (const [name] of AUDIT_COLUMNS) {
          const value = row[name];
          const expected = value === null ? null : typeof value === 'number' ? String(value) : value;
          assert.deepEqual(read[i]![name], expected, `row ${i} ${name}`);
        }
      });
      assert.equal(read[3]!.durationMs, null);
      const codec = await connection.runAndReadAll(
        `SELECT DISTINCT compression FROM parquet_metadata('${path}')`,
      );
      assert.deepEqual(
        codec.getRowObjectsJson().map((r) => r.compression),
        ['SNAPPY'],
      );
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});

describe('QVD files', () => {
  test('the reader finds every column, value and type', () => {
    const rows = allTypes().map((r) => auditRow(r, PROD));
    const table = readQvd(encodeQvd(rows));
    assert.equal(table.tableName, 'audit_events');
    assert.deepEqual(
      table.fields.map((f) => f.name),
      AUDIT_COLUMNS.map(([name]) => name),
    );
    rows.forEach((row, i) => {
      for (const [name] of AUDIT_COLUMNS) {
        const value = row[name];
        const expected = typeof value === 'boolean' ? (value ? -1 : 0) : value;
        assert.deepEqual(table.rows[i]![name], expected, `row ${i} ${name}`);
      }
    });
    const field = (name: string) => table.fields.find((f) => f.name === name)!;
    assert.deepEqual(
      field('timestamp').symbolTypes,
      [2, 2, 2, 2].slice(0, field('timestamp').symbols.length),
    );
    assert.ok(field('visible').symbolTypes.every((t) => t === 1));
    assert.ok(field('eventId').symbolTypes.every((t) => t === 4));
    assert.deepEqual(field('durationMs').tags, ['$numeric', '$integer']);
  });

  test('edge shapes: no rows, one value, all null, many symbols, unicode', () => {
    assert.deepEqual(readQvd(writeQvd('t', [{ name: 'a', values: [] }])).rows, []);
    const many = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? null : `v${i} ✓ ø`));
    const table = readQvd(
      writeQvd('t', [
        { name: 'same', values: many.map(() => 'x') },
        { name: 'none', values: many.map(() => null) },
        { name: 'many', values: many },
        { name: 'num', values: many.map((_, i) => (i % 2 ? i * 1.5 : 1 - i)) },
      ]),
    );
    assert.equal(table.rows.length, 300);
    table.rows.forEach((row, i) => {
      assert.deepEqual(row, { same: 'x', none: null, many: many[i], num: i % 2 ? i * 1.5 : 1 - i });
    });
    assert.equal(table.fields[0]!.bitWidth, 0);
  });

  test('a file written by the destination parses from disk', () => {
    const path = join(folder, 'one.qvd');
    writeFileSync(path, encodeQvd([auditRow(sampleAuditRecord(viewEnvelope()), [])]));
    assert.equal(readQvd(readFileSync(path)).rows[0]!.eventId, '2a9d4e71-3c5b-4f08-b6e2-d1c0a9b8f7e6');
  });
});
