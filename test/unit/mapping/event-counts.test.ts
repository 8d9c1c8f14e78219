import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventCountsToInflux } from '../../../src/mapping/event-counts.ts';
import { EventCounters, MAX_COUNTER_KEYS } from '../../../src/records/event-counts.ts';

describe('event counts', () => {
  function sample() {
    const c = new EventCounters();
    c.count('user', 'qseow-proxy-session', 'sense1', 'AppAccess');
    c.count('user', 'qseow-proxy-session', 'sense1', 'AppAccess');
    c.count('log', 'qseow-engine', '', 'System.Engine.Engine');
    c.countRejected('app-1', '', 'Global::OpenApp', '<Unknown>', 10.5);
    c.countRejected('app-1', '', 'Global::OpenApp', '<Unknown>', null);
    c.countRejected('app-2', 'Sales', 'Doc::GetAppLayout', 'sheet', 2);
    return c.take(123);
  }

  it('counts per key, empty values as Unknown, and restarts after take()', () => {
    const c = new EventCounters();
    c.count('log', 'qseow-engine', '', '');
    assert.deepEqual(c.take(1).counts, [
      { event_type: 'log', source: 'qseow-engine', host: 'Unknown', subsystem: 'Unknown', counter: 1 },
    ]);
    assert.deepEqual(c.take(2), { kind: 'event-counts', timeMs: 2, counts: [], rejected: [] });
  });

  it('v1: float counters, event_count tags and config tags', () => {
    const points = eventCountsToInflux(sample(), 1, {
      eventCountEnable: true,
      eventCountTags: [{ name: 'env', value: 'DEV' }],
      rejectedEventCountEnable: true,
    });
    const first = points[0]!;
    assert.equal(first.measurement, 'event_count');
    assert.deepEqual(first.tags, {
      event_type: 'user',
      source: 'qseow-proxy-session',
      host: 'sense1',
      subsystem: 'AppAccess',
      env: 'DEV',
    });
    assert.deepEqual(first.fields, { counter: { type: 'float', value: 2 } });
    assert.equal(first.timeMs, 123);
    const rejected = points.filter((p) => p.measurement === 'rejected_event_count');
    assert.equal(rejected.length, 2);
    assert.deepEqual(rejected[0]!.tags, {
      source: 'qseow-qix-perf',
      app_id: 'app-1',
      method: 'Global::OpenApp',
      object_type: '<Unknown>',
      app_name_set: 'false',
      app_name: '',
    });
    assert.deepEqual(rejected[0]!.fields, {
      counter: { type: 'float', value: 2 },
      process_time: { type: 'float', value: 10.5 },
    });
    assert.equal(rejected[1]!.tags.app_name_set, 'true');
  });

  it('v2/v3: integer counters; configurable measurement names; disabled kinds not written', () => {
    const points = eventCountsToInflux(sample(), 2, {
      eventCountEnable: false,
      rejectedEventCountEnable: true,
      rejectedEventCountMeasurement: 'rejected',
    });
    assert.ok(points.every((p) => p.measurement === 'rejected'));
    assert.equal(points[0]!.fields.counter!.type, 'integer');
    const v3 = eventCountsToInflux(sample(), 3, {
      eventCountEnable: true,
      eventCountMeasurement: 'ec',
      rejectedEventCountEnable: false,
    });
    assert.ok(v3.every((p) => p.measurement === 'ec' && p.fields.counter!.type === 'integer'));
  });

  it('bounds the number of keys per interval (forged hosts fold into Overflow)', () => {
    const c = new EventCounters();
    for (let i = 0; i < MAX_COUNTER_KEYS + 50; i++) c.count('log', 'qseow-engine', `h${i}`, 's');
    const counts = c.take(0).counts;
    assert.equal(counts.length, MAX_COUNTER_KEYS + 1);
    assert.equal(counts.find((x) => x.host === 'Overflow')?.counter, 50);
  });
});
