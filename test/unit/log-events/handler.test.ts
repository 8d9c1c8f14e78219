import assert from 'node:assert/strict';
import type { RemoteInfo } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { EventCounters } from '../../../src/records/event-counts.ts';
import type { LogEventRecord } from '../../../src/records/log-event.ts';
import {
  createLogEventHandler,
  type LogEventHandlerOptions,
} from '../../../src/sources/log-events/handler.ts';

const fixtures = new URL('../../../../shared/fixtures/constructed', import.meta.url).pathname;
const cases: { datagram: string }[] = JSON.parse(
  readFileSync(`${fixtures}/log-event-datagrams.json`, 'utf8'),
).cases;
const malformed: { datagram: string }[] = JSON.parse(
  readFileSync(`${fixtures}/log-event-datagrams-malformed.json`, 'utf8'),
).cases;
const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 1, size: 0 } as RemoteInfo;
const apps = new Map([['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 'Sales dashboard']]);

function setup(over: Partial<LogEventHandlerOptions> = {}) {
  const emitted: LogEventRecord[] = [];
  const counters = new EventCounters();
  const rejected = new EventCounters();
  const handler = createLogEventHandler({
    source: {
      engine: { enable: true },
      proxy: { enable: true },
      repository: { enable: true },
      scheduler: { enable: true },
      qixPerf: { enable: true },
    },
    enginePerformanceMonitor: {
      enable: true,
      appNameLookup: { enable: true },
      trackRejectedEvents: { enable: true },
      monitorFilter: {
        allApps: {
          enable: true,
          appExclude: null,
          objectType: {
            allObjectTypes: true,
            allObjectTypesExclude: ['<Unknown>'],
            someObjectTypesInclude: null,
          },
          method: { allMethods: true, allMethodsExclude: null, someMethodsInclude: null },
        },
      },
    },
    eventCounters: counters,
    rejectedCounters: rejected,
    appNameOf: (id) => apps.get(id),
    emit: (e) => emitted.push(e),
    log: createRecordingLogger(),
    ...over,
  });
  let seq = 0;
  const feed = (text: string) =>
    handler.handle(Buffer.from(text), rinfo, { timeMs: 1000, timeNsOffset: seq++ });
  return { handler, emitted, counters, rejected, feed };
}

describe('log-event handler', () => {
  it('forwards every well-formed reference datagram except the perf event the filter excludes', () => {
    const { handler, emitted, feed, counters, rejected } = setup();
    for (const c of cases) feed(c.datagram);
    // qix-perf #2 has object type <Unknown>, which this filter excludes.
    assert.equal(emitted.length, cases.length - 1);
    assert.equal(handler.stats().rejected.perf_filter_rejected, 1);
    const r = rejected.take(0).rejected;
    assert.deepEqual(r, [
      {
        source: 'qseow-qix-perf',
        app_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
        app_name: 'Sales dashboard',
        method: 'Global::OpenApp',
        object_type: '<Unknown>',
        counter: 1,
        process_time: 4512.7,
      },
    ]);
    const counts = counters.take(0).counts;
    assert.equal(
      counts.reduce((a, c) => a + c.counter, 0),
      cases.length - 1,
      'accepted events counted (v15), rejected perf events only in rejected counts',
    );
    assert.ok(
      counts.some(
        (c) =>
          c.source === 'qseow-engine' && c.host === 'sense-node1' && c.subsystem === 'System.Engine.Engine',
      ),
    );
  });

  it('gives each record its receive stamp', () => {
    const { emitted, feed } = setup();
    feed(cases[0]!.datagram);
    feed(cases[0]!.datagram);
    assert.deepEqual(
      emitted.map((e) => [e.receivedAtMs, e.timeNsOffset]),
      [
        [1000, 0],
        [1000, 1],
      ],
    );
  });

  it('rejects and counts malformed datagrams by reason', () => {
    const { handler, emitted, feed, counters } = setup();
    for (const c of malformed) feed(c.datagram);
    feed('');
    const s = handler.stats();
    assert.equal(s.rejected.too_few_fields, 4);
    assert.equal(s.rejected.unknown_marker, 2);
    assert.equal(s.rejected.empty, 1);
    assert.equal(emitted.length, malformed.length - 6);
    assert.ok(
      emitted.every((e) => !JSON.stringify(e).includes('undefined')),
      'never the text undefined',
    );
    const total = counters.take(0).counts.reduce((a, c) => a + c.counter, 0);
    assert.equal(total, malformed.length + 1, 'every received datagram counted');
  });

  it('disabled sources and a disabled performance monitor are rejected, counted with correct fields', () => {
    const { handler, emitted, feed, counters } = setup({
      source: {
        engine: { enable: false },
        proxy: { enable: true },
        repository: { enable: true },
        scheduler: { enable: true },
        qixPerf: { enable: true },
      },
      enginePerformanceMonitor: { enable: false },
    });
    feed(cases[0]!.datagram);
    feed(cases[12]!.datagram);
    assert.equal(emitted.length, 0);
    assert.equal(handler.stats().rejected.source_disabled, 1);
    assert.equal(handler.stats().rejected.perf_monitor_disabled, 1);
    const counts = counters.take(0).counts;
    assert.deepEqual(
      counts.map((c) => [c.source, c.host, c.subsystem]),
      [
        ['qseow-engine', 'sense-node1', 'System.Engine.Engine'],
        ['qseow-qix-perf', 'sense-node1', 'QixPerformance.Engine.Engine'],
      ],
    );
  });

  it('categorises, and a drop rule really drops (counted as categorise_drop)', () => {
    const { handler, emitted, feed } = setup({
      categorise: {
        enable: true,
        rules: [
          {
            logLevel: ['warn', 'error'],
            action: 'drop',
            category: [{ name: 'c', value: 'x' }],
            filter: [{ type: 'sw', value: 'Access was denied' }],
          },
        ],
        ruleDefault: { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] },
      },
    });
    feed(cases[3]!.datagram); // proxy "Access was denied for User"
    feed(cases[4]!.datagram);
    feed(cases[12]!.datagram); // qix-perf: no message, INFO level, gets the default
    assert.equal(handler.stats().rejected.categorise_drop, 1);
    assert.equal(emitted.length, 2);
    assert.deepEqual(emitted[0]!.category, [{ name: 'qs_log_category', value: 'unknown' }]);
    assert.deepEqual(emitted[1]!.category, [{ name: 'qs_log_category', value: 'unknown' }]);
  });

  it('does not count rejected perf events when no rejected store is given (upstream crashes)', () => {
    const { handler, feed } = setup({ rejectedCounters: undefined });
    feed(cases[13]!.datagram);
    assert.equal(handler.stats().rejected.perf_filter_rejected, 1);
  });
});
