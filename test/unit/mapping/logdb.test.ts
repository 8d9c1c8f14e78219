/**
 * Log database rows → InfluxDB `log_event_logdb` and MQTT
 * (docs/reference/sense-apis.md#qlogs-rows-to-records).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import {
  LOGDB_MEASUREMENT,
  type LogDbServer,
  logDbRowToInflux,
  logDbRowToMqtt,
  serverForLogDbRow,
} from '../../../src/mapping/logdb.ts';
import type { LogDbRecord } from '../../../src/records/logdb.ts';

const ENTRY_MS = Date.parse('2026-03-14T10:15:12.345Z');

function row(overrides: Partial<LogDbRecord> = {}): LogDbRecord {
  return {
    kind: 'logdb',
    id: '123456789',
    timeMs: ENTRY_MS,
    level: 'ERROR',
    processHost: 'SENSE1',
    processName: 'Proxy',
    message: 'Connection to "repository" failed, retrying',
    payload: { Message: 'Connection to "repository" failed, retrying' },
    ...overrides,
  };
}

const servers: LogDbServer[] = [
  {
    serverName: 'central',
    serverDescription: 'Central node',
    logDbHost: 'sense1',
    serverTags: { server_group: 'PROD', serverLocation: 'EU', cores: 8 },
  },
  { serverName: 'rim', serverDescription: 'Rim node', logDbHost: 'SENSE2', serverTags: null },
  { serverName: 'no-logdb', serverDescription: 'No log db host' },
];

describe('serverForLogDbRow', () => {
  it('matches logDbHost ignoring case', () => {
    assert.equal(serverForLogDbRow(row({ processHost: 'SENSE1' }), servers)?.serverName, 'central');
    assert.equal(serverForLogDbRow(row({ processHost: 'sense2' }), servers)?.serverName, 'rim');
  });

  it('returns undefined for unknown or empty hosts (a server without logDbHost never matches)', () => {
    assert.equal(serverForLogDbRow(row({ processHost: 'sense3' }), servers), undefined);
    assert.equal(serverForLogDbRow(row({ processHost: '' }), servers), undefined);
    assert.equal(serverForLogDbRow(row({ processHost: 'SENSE1' }), []), undefined);
  });
});

describe('logDbRowToInflux: measurement log_event_logdb', () => {
  it('tags host, server_name, server_description, source_process, log_level, then serverTags; field message', () => {
    const record = row();
    const point = logDbRowToInflux(record, serverForLogDbRow(record, servers), 1);
    assert.ok(point);
    assert.equal(point.measurement, 'log_event_logdb');
    assert.equal(LOGDB_MEASUREMENT, 'log_event_logdb');
    assert.deepEqual(Object.entries(point.tags), [
      ['host', 'SENSE1'],
      ['server_name', 'central'],
      ['server_description', 'Central node'],
      ['source_process', 'Proxy'],
      ['log_level', 'ERROR'],
      ['server_group', 'PROD'],
      ['serverLocation', 'EU'],
      ['cores', '8'],
    ]);
    assert.deepEqual(point.fields, {
      message: { type: 'string', value: 'Connection to "repository" failed, retrying' },
    });
    assert.equal(point.timeMs, ENTRY_MS);
  });

  it('encodes to the line upstream wrote (timestamp = entry time)', () => {
    const record = row({ id: '7' });
    const point = logDbRowToInflux(record, servers[1], 1);
    assert.ok(point);
    assert.equal(
      encodeLine(point),
      'log_event_logdb,host=SENSE1,server_name=rim,server_description=Rim\\ node,source_process=Proxy,log_level=ERROR ' +
        `message="Connection to \\"repository\\" failed, retrying" ${BigInt(ENTRY_MS) * 1_000_000n + 7n}`,
    );
  });

  it('distinct rows of one millisecond stay distinct points; the same row always gives the same point', () => {
    const a = logDbRowToInflux(row({ id: '1000001' }), servers[0], 1);
    const b = logDbRowToInflux(row({ id: '1000002' }), servers[0], 1);
    const a2 = logDbRowToInflux(row({ id: '1000001' }), servers[0], 1);
    assert.ok(a && b && a2);
    assert.notEqual(encodeLine(a), encodeLine(b));
    assert.equal(encodeLine(a), encodeLine(a2));
    assert.equal(a.timeMs, b.timeMs);
  });

  it('a custom server tag named host overrides process_host, as upstream', () => {
    const server: LogDbServer = {
      serverName: 's',
      serverDescription: '',
      logDbHost: 'sense1',
      serverTags: { host: 'override' },
    };
    assert.equal(logDbRowToInflux(row(), server, 1)?.tags.host, 'override');
  });

  it('empty message is kept as an empty string field', () => {
    const point = logDbRowToInflux(row({ message: '', payload: null }), servers[0], 2);
    assert.deepEqual(point?.fields.message, { type: 'string', value: '' });
  });

  it('v2/v3 carry the same names; v3 strips characters its tags reject', () => {
    for (const version of [2, 3] as const) {
      const point = logDbRowToInflux(row(), servers[0], version);
      assert.ok(point);
      assert.equal(point.measurement, 'log_event_logdb');
      assert.deepEqual(Object.keys(point.tags).sort(), [
        'cores',
        'host',
        'log_level',
        'serverLocation',
        'server_description',
        'server_group',
        'server_name',
        'source_process',
      ]);
      assert.deepEqual(Object.keys(point.fields), ['message']);
    }
    const odd = logDbRowToInflux(row({ processName: 'Proxy<x>\\' }), servers[0], 3);
    assert.equal(odd?.tags.source_process, 'Proxyx');
    assert.equal(
      logDbRowToInflux(row({ processName: 'Proxy<x>' }), servers[0], 1)?.tags.source_process,
      'Proxy<x>',
    );
  });

  it('rows without a matching server are not stored', () => {
    const record = row({ processHost: 'unknown-host' });
    assert.equal(logDbRowToInflux(record, serverForLogDbRow(record, servers), 1), undefined);
  });
});

describe('logDbRowToMqtt', () => {
  it('topic <baseTopic><process_host>/<process_name>/<entry_level>, payload the message', () => {
    assert.deepEqual(logDbRowToMqtt(row(), 'butler-sos/'), {
      topic: 'butler-sos/SENSE1/Proxy/ERROR',
      payload: 'Connection to "repository" failed, retrying',
    });
    assert.equal(
      logDbRowToMqtt(row({ level: 'WARN', processName: 'Engine' }), 'qs/').topic,
      'qs/SENSE1/Engine/WARN',
    );
  });

  it('every row is published, matched or not', () => {
    const message = logDbRowToMqtt(row({ processHost: 'unknown-host' }), 'butler-sos/');
    assert.equal(message.topic, 'butler-sos/unknown-host/Proxy/ERROR');
  });

  it('wildcards and slashes cannot break the topic; empty levels read unknown', () => {
    const message = logDbRowToMqtt(row({ processHost: 'a+b', processName: 'x/y#', level: '' }), 'b/');
    assert.equal(message.topic, 'b/a_b/x_y_/unknown');
  });
});
