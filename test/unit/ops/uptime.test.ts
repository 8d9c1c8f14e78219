import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { uptimeToInflux, uptimeToNewRelic } from '../../../src/mapping/uptime.ts';
import { formatUptime, startUptimeMonitor, uptimeLogLine } from '../../../src/ops/uptime.ts';
import type { UptimeRecord } from '../../../src/records/uptime.ts';
import { createFakeTimers } from './fake-timers.ts';

const MiB = 1024 * 1024;

test('uptime monitor logs two lines at its level on each occurrence and emits a sample', () => {
  const timers = createFakeTimers(Date.parse('2026-01-01T10:07:00Z'));
  const log = createRecordingLogger();
  const samples: UptimeRecord[] = [];
  const monitor = startUptimeMonitor({
    frequency: 'every 15 minutes',
    logLevel: 'VERBOSE',
    log,
    onSample: (r) => samples.push(r),
    timers,
    memoryUsage: () => ({ heapUsed: 10.5 * MiB, heapTotal: 20 * MiB, external: 1.234 * MiB, rss: 64 * MiB }),
  });
  assert.equal(samples.length, 0, 'no output at start');
  assert.ok(
    log.lines.some((l) => l.message === 'UPTIME: Interval between uptime events: 900000 milliseconds'),
  );
  timers.runNext(); // 10:15
  timers.runNext(); // 10:30
  monitor.stop();
  assert.equal(samples.length, 2);
  assert.equal(samples[1]!.iteration, 2);
  assert.equal(samples[1]!.uptimeMs, 23 * 60_000);
  const lines = log.lines.filter((l) => l.level === 'verbose');
  assert.equal(lines.length, 4);
  assert.equal(lines[0]!.message, '-'.repeat(32));
  assert.equal(
    lines[3]!.message,
    'Iteration # 2, Uptime: 0 months, 0 days, 0 hours, 23 minutes, 0 seconds, Heap used 10.5 MB of total heap 20 MB. External (off-heap): 1.23 MB. Memory allocated to process: 64 MB.',
  );
});

test('bad frequency or level is a clear startup error', () => {
  const base = { log: createRecordingLogger(), onSample: () => {} };
  assert.throws(
    () => startUptimeMonitor({ ...base, frequency: 'sometimes', logLevel: 'info' }),
    /uptimeMonitor\.frequency/,
  );
  assert.throws(
    () => startUptimeMonitor({ ...base, frequency: 'every 1 hour', logLevel: 'loud' }),
    /uptimeMonitor\.logLevel/,
  );
});

test('uptime text splits into months, days, hours, minutes, rounded seconds and groups digits', () => {
  assert.equal(
    formatUptime(((31 * 24 + 2) * 3600 + 5 * 60 + 7.6) * 1000),
    '1 months, 1 days, 2 hours, 5 minutes, 8 seconds',
  );
  assert.equal(formatUptime(400 * 86400 * 1000), '1 years, 1 months, 5 days, 0 hours, 0 minutes, 0 seconds');
});

test('iteration numbers use en-US digit grouping', () => {
  assert.match(
    uptimeLogLine(record),
    /^Iteration # 1,234, Uptime: 0 months, 0 days, 1 hours, 0 minutes, 0 seconds, /,
  );
  for (const iteration of [0, 7, 999, 1000, 65_536, 1_234_567, 1_000_000_000]) {
    const line = uptimeLogLine({ ...record, iteration });
    assert.ok(line.startsWith(`Iteration # ${iteration.toLocaleString('en-US')}, `), line);
  }
});

const record: UptimeRecord = {
  kind: 'uptime',
  timeMs: 1_700_000_000_000,
  iteration: 1234,
  uptimeMs: 3_600_000,
  intervalMs: 900_000,
  heapUsed: 10 * MiB + 12345,
  heapTotal: 20 * MiB,
  external: 3 * MiB,
  rss: 100 * MiB + 999,
};

test('butlersos_memory_usage: instance/version tags and float MB fields rounded to 2 decimals', () => {
  const point = uptimeToInflux(record, { instanceTag: 'PROD', version: '14.0.0' });
  assert.equal(point.measurement, 'butlersos_memory_usage');
  assert.deepEqual(point.tags, { butler_sos_instance: 'PROD', version: '14.0.0' });
  assert.deepEqual(point.fields, {
    heap_used: { type: 'float', value: 10.01 },
    heap_total: { type: 'float', value: 20 },
    external: { type: 'float', value: 3 },
    process_memory: { type: 'float', value: 100 },
  });
  assert.equal(uptimeToInflux(record, { instanceTag: '', version: '1' }).tags.butler_sos_instance, undefined);
});

test('New Relic uptime: gauges in bytes, static attributes then version, switches honoured', () => {
  const payload = uptimeToNewRelic(record, {
    staticAttributes: [{ name: 'env', value: 'prod' }],
    includeVersion: true,
    version: '14.0.0',
    memoryUsage: true,
    uptime: true,
  });
  assert.equal(payload.intervalMs, 900_000);
  assert.deepEqual(payload.attributes, { env: 'prod', version: '14.0.0' });
  assert.deepEqual(
    payload.metrics.map((m) => [m.name, m.value]),
    [
      ['qs_butlerSosHeapUsed', record.heapUsed],
      ['qs_butlerSosHeapTotal', record.heapTotal],
      ['qs_butlerSosExternalMem', record.external],
      ['qs_butlerSosProcessMem', record.rss],
      ['qs_butlerSosUptimeMillisec', 3_600_000],
    ],
  );
  const onlyUptime = uptimeToNewRelic(record, {
    staticAttributes: null,
    includeVersion: false,
    version: 'x',
    memoryUsage: false,
    uptime: true,
  });
  assert.deepEqual(onlyUptime.attributes, {});
  assert.deepEqual(
    onlyUptime.metrics.map((m) => m.name),
    ['qs_butlerSosUptimeMillisec'],
  );
});
