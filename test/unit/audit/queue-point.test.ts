/**
 * The audit queue's sample as `audit_events_queue`, written as upstream writes it: the UDP
 * queue metrics' field set with `queue_type=audit_events`, counters as floats in InfluxDB 1.x
 * and integers in 2.x/3.x, both the v14 and v15 names of the running count, the configured
 * tags, and the machine's host name where upstream wrote `undefined`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditQueueToInflux } from '../../../src/audit/queue-point.ts';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import { sampleAuditQueueRecord } from '../../support/audit-envelopes.ts';

const config = {
  measurementName: 'audit_events_queue',
  tags: [
    { name: 'env', value: 'prod' },
    { name: '', value: 'skipped' },
    { name: 'skipped', value: '' },
  ],
};

describe('audit_events_queue point', () => {
  test('InfluxDB 1.x: every counter a float; tags queue_type, host and the configured ones', () => {
    const record = { ...sampleAuditQueueRecord(), timeMs: 1772439330250 };
    const line = encodeLine(auditQueueToInflux(record, 1, config));
    const [head, fields, time] = line.split(' ');
    assert.equal(head, 'audit_events_queue,queue_type=audit_events,host=test-host,env=prod');
    assert.equal(time, '1772439330250000000');
    const values = Object.fromEntries(fields!.split(',').map((kv) => kv.split('=') as [string, string]));
    assert.deepEqual(values, {
      queue_size: '3',
      queue_max_size: '200',
      queue_utilization_pct: '1.5',
      queue_pending: '2',
      queue_running: '2',
      messages_received: '10',
      messages_queued: '9',
      messages_processed: '8',
      messages_failed: '0',
      messages_dropped_total: '1',
      messages_dropped_rate_limit: '1',
      messages_dropped_queue_full: '0',
      messages_dropped_size: '0',
      processing_time_avg_ms: String(8 / 3),
      processing_time_p95_ms: '5',
      processing_time_max_ms: '5',
      rate_limit_current: '0',
      backpressure_active: '0',
    });
  });

  test('InfluxDB 2.x and 3.x: counters are integers, times and utilisation floats', () => {
    for (const version of [2, 3] as const) {
      const point = auditQueueToInflux(sampleAuditQueueRecord(), version, config);
      const line = encodeLine(point);
      assert.match(line, /queue_size=3i,/, `v${version}`);
      assert.match(line, /queue_running=2i,/);
      assert.match(line, /messages_dropped_size=0i,/);
      assert.match(line, /backpressure_active=0i/);
      assert.match(line, /queue_utilization_pct=1\.5,/);
      assert.match(line, /processing_time_p95_ms=5,/);
    }
  });

  test('an empty window gives zero times; an empty measurement name falls back', () => {
    const record = sampleAuditQueueRecord();
    record.window.processingTimesMs = [];
    const point = auditQueueToInflux(record, 1, { measurementName: '', tags: [] });
    assert.equal(point.measurement, 'audit_events_queue');
    for (const name of ['processing_time_avg_ms', 'processing_time_p95_ms', 'processing_time_max_ms'])
      assert.deepEqual(point.fields[name], { type: 'float', value: 0 }, name);
  });
});
