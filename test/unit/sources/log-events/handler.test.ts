import assert from 'node:assert/strict';
import type { RemoteInfo } from 'node:dgram';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { EventCounters } from '../../../../src/records/event-counts.ts';
import type { LogEventRecord } from '../../../../src/records/log-event.ts';
import {
  createLogEventHandler,
  type LogEventHandlerOptions,
} from '../../../../src/sources/log-events/handler.ts';
import {
  appNameOf,
  caseById,
  datagramBytes,
  expectedOf,
  LOG_EVENTS,
  type LogEventCase,
  MALFORMED_LOG_EVENTS,
} from '../../../support/datagram-fixtures.ts';

const cases = LOG_EVENTS.cases;
const malformed = MALFORMED_LOG_EVENTS.cases;
const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 1, size: 0 } as RemoteInfo;
/** Object type the performance filter below excludes. */
const EXCLUDED_TYPE = '<Unknown>';

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
            allObjectTypesExclude: [EXCLUDED_TYPE],
            someObjectTypesInclude: null,
          },
          method: { allMethods: true, allMethodsExclude: null, someMethodsInclude: null },
        },
      },
    },
    eventCounters: counters,
    rejectedCounters: rejected,
    appNameOf: appNameOf(LOG_EVENTS),
    emit: (e) => emitted.push(e),
    log: createRecordingLogger(),
    ...over,
  });
  let seq = 0;
  const feed = (c: LogEventCase) =>
    handler.handle(datagramBytes(c), rinfo, { timeMs: 1000, timeNsOffset: seq++ });
  return { handler, emitted, counters, rejected, feed };
}

describe('log-event handler', () => {
  const filteredOut = cases.filter((c) => c.perf?.objectType === EXCLUDED_TYPE);

  it('forwards every well-formed datagram except the performance events the filter excludes', () => {
    assert.ok(filteredOut.length >= 1, 'the fixtures hold a performance event the filter excludes');
    const { handler, emitted, feed, counters, rejected } = setup();
    for (const c of cases) feed(c);
    assert.equal(emitted.length, cases.length - filteredOut.length);
    assert.deepEqual(
      emitted.map((e) => e.log_row),
      cases.filter((c) => !filteredOut.includes(c)).map((c) => expectedOf(c).log_row),
      'in arrival order',
    );
    assert.equal(handler.stats().rejected.perf_filter_rejected, filteredOut.length);
    assert.deepEqual(
      rejected.take(0).rejected,
      filteredOut.map((c) => ({
        source: 'qseow-qix-perf',
        app_id: c.perf!.appId,
        app_name: c.perf!.appName,
        method: c.perf!.method,
        object_type: c.perf!.objectType,
        counter: 1,
        process_time: expectedOf(c).process_time,
      })),
    );
    const counts = counters.take(0).counts;
    assert.equal(
      counts.reduce((a, c) => a + c.counter, 0),
      cases.length - filteredOut.length,
      'accepted events counted (v15), rejected perf events only in rejected counts',
    );
    const engine = expectedOf(cases[0]!);
    assert.ok(
      counts.some(
        (c) => c.source === engine.source && c.host === engine.host && c.subsystem === engine.subsystem,
      ),
    );
  });

  it('gives each record its receive stamp', () => {
    const { emitted, feed } = setup();
    feed(cases[0]!);
    feed(cases[0]!);
    assert.deepEqual(
      emitted.map((e) => [e.receivedAtMs, e.timeNsOffset]),
      [
        [1000, 0],
        [1000, 1],
      ],
    );
  });

  it('rejects and counts malformed datagrams by the reason the fixtures give', () => {
    const { handler, emitted, feed, counters } = setup({
      enginePerformanceMonitor: {
        enable: true,
        appNameLookup: { enable: true },
        monitorFilter: { allApps: { enable: true, objectType: null, method: null } },
      },
    });
    for (const c of malformed) feed(c);
    const byReason: Record<string, number> = {};
    for (const c of malformed) {
      if (c.rejected) byReason[c.rejected.reason] = (byReason[c.rejected.reason] ?? 0) + 1;
    }
    const rejectedReasons = Object.fromEntries(
      Object.entries(handler.stats().rejected).filter(([, n]) => n > 0),
    );
    assert.deepEqual(rejectedReasons, byReason);
    assert.deepEqual(
      emitted.map((e) => e.log_row),
      malformed.filter((c) => c.expected).map((c) => expectedOf(c).log_row),
    );
    assert.ok(
      emitted.every((e) => !JSON.stringify(e).includes('undefined')),
      'never the text undefined',
    );
    const total = counters.take(0).counts.reduce((a, c) => a + c.counter, 0);
    assert.equal(total, malformed.length, 'every received datagram counted');
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
    const engine = caseById(LOG_EVENTS, 'engine-user-app');
    const qix = caseById(LOG_EVENTS, 'qixperf-user-getlayout');
    feed(engine);
    feed(qix);
    assert.equal(emitted.length, 0);
    assert.equal(handler.stats().rejected.source_disabled, 1);
    assert.equal(handler.stats().rejected.perf_monitor_disabled, 1);
    const counts = counters.take(0).counts;
    assert.deepEqual(
      counts.map((c) => [c.source, c.host, c.subsystem]),
      [engine, qix].map((c) => {
        const e = expectedOf(c);
        return [e.source, e.host, e.subsystem];
      }),
    );
  });

  it('categorises, and a drop rule really drops (counted as categorise_drop)', () => {
    const denied = caseById(LOG_EVENTS, 'proxy-access-denied');
    const { handler, emitted, feed } = setup({
      categorise: {
        enable: true,
        rules: [
          {
            logLevel: ['warn', 'error'],
            action: 'drop',
            category: [{ name: 'c', value: 'x' }],
            filter: [{ type: 'sw', value: 'Access denied for user' }],
          },
        ],
        ruleDefault: { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] },
      },
    });
    assert.ok(String(expectedOf(denied).message).startsWith('Access denied for user'));
    feed(denied);
    feed(caseById(LOG_EVENTS, 'proxy-exception-no-user'));
    feed(caseById(LOG_EVENTS, 'qixperf-user-getlayout')); // no message, INFO level: gets the default
    assert.equal(handler.stats().rejected.categorise_drop, 1);
    assert.equal(emitted.length, 2);
    assert.deepEqual(emitted[0]!.category, [{ name: 'qs_log_category', value: 'unknown' }]);
    assert.deepEqual(emitted[1]!.category, [{ name: 'qs_log_category', value: 'unknown' }]);
  });

  it('does not count rejected perf events when no rejected store is given (upstream crashes)', () => {
    const { handler, feed } = setup({ rejectedCounters: undefined });
    feed(filteredOut[0]!);
    assert.equal(handler.stats().rejected.perf_filter_rejected, 1);
  });
});
