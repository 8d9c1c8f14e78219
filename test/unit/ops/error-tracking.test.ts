import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryError } from '../../../src/delivery/types.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { errorEventToInflux } from '../../../src/mapping/errors.ts';
import { classifyError, createErrorTracker } from '../../../src/ops/error-tracking.ts';
import type { ErrorEventRecord } from '../../../src/records/error-event.ts';
import type { FailedPollRecord } from '../../../src/records/failed-poll.ts';
import { createFakeTimers } from './fake-timers.ts';

const errno = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`connect ${code}`), { code, ...extra });

test('error categories follow docs/reference/runtime.md#error-tracking, first match wins', () => {
  const cases: [unknown, string][] = [
    [errno('ETIMEDOUT'), 'timeout'],
    [errno('ECONNABORTED'), 'timeout'],
    [new Error('Request timeout after 5000ms'), 'timeout'],
    [Object.assign(new Error('x'), { name: 'TimeoutError' }), 'timeout'],
    [new TypeError('fetch failed', { cause: errno('ECONNREFUSED') }), 'connection_refused'],
    [errno('ENOTFOUND'), 'host_not_found'],
    [errno('ECONNRESET'), 'connection_reset'],
    [Object.assign(new Error('HTTP'), { status: 401 }), 'auth_error'],
    [Object.assign(new Error('HTTP'), { status: 403 }), 'auth_error'],
    [Object.assign(new Error('HTTP'), { statusCode: 404 }), 'not_found'],
    [Object.assign(new Error('HTTP'), { response: { status: 429 } }), 'rate_limited'],
    [Object.assign(new Error('HTTP'), { status: 502 }), 'http_5xx'],
    [Object.assign(new Error('HTTP'), { status: 418 }), 'http_4xx'],
    [new Error('self-signed certificate in chain'), 'certificate_error'],
    [new Error('SSL routines failed'), 'certificate_error'],
    [new Error('MQTT client disconnecting'), 'mqtt_error'],
    [new Error('New Relic rejected payload'), 'new_relic_error'],
    [new Error('something else'), 'unknown'],
    [undefined, 'unknown'],
  ];
  for (const [error, category] of cases) assert.equal(classifyError(error).category, category, String(error));
});

test('details come from the error and its cause; the URL loses query and credentials', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:4747'), {
    code: 'ECONNREFUSED',
    address: '10.0.0.5',
    port: 4747,
    syscall: 'connect',
  });
  const error = Object.assign(new TypeError('fetch failed', { cause }), {
    url: 'https://u:p@sense1:4747/engine/healthcheck?xrfkey=abc',
  });
  assert.deepEqual(classifyError(error), {
    category: 'connection_refused',
    code: 'ECONNREFUSED',
    requestUrl: 'https://sense1:4747/engine/healthcheck',
    remoteAddress: '10.0.0.5',
    remotePort: 4747,
    syscall: 'connect',
  });
});

test('counts per type and server, throttled summary line, reset at UTC midnight', () => {
  const timers = createFakeTimers(Date.parse('2026-03-01T23:58:00Z'));
  const log = createRecordingLogger();
  const events: ErrorEventRecord[] = [];
  const tracker = createErrorTracker({
    log,
    timers,
    onErrorEvent: (r) => events.push(r),
    summaryIntervalMs: 30_000,
  });
  assert.ok(
    log.lines.some((l) => l.message === 'ERROR TRACKER: Initialized error tracking with daily UTC reset'),
  );
  assert.ok(
    log.lines.some(
      (l) =>
        l.message ===
        'ERROR TRACKER: Scheduled next error counter reset at 2026-03-02T00:00:00.000Z (in 2 minutes)',
    ),
  );
  tracker.increment(
    'HEALTH_API',
    'sense1',
    { host: 'sense1:4747', module: 'HEALTH_METRICS' },
    errno('ECONNREFUSED'),
  );
  tracker.increment('HEALTH_API', 'sense1', undefined, errno('ETIMEDOUT'));
  tracker.increment('MQTT_PUBLISH', '', { host: 'broker' }, new Error('mqtt fail'));
  const summaries = () => log.lines.filter((l) => l.message.startsWith('ERROR TRACKER: Error counts today'));
  assert.equal(summaries().length, 1, 'first error logs a summary at once, the burst is coalesced');
  assert.equal(
    summaries()[0]!.message,
    'ERROR TRACKER: Error counts today (UTC): Total=1, Details={"HEALTH_API":{"total":1,"servers":{"sense1":1}}}',
  );
  timers.advance(30_000);
  assert.equal(summaries().length, 2);
  assert.equal(
    summaries()[1]!.message,
    'ERROR TRACKER: Error counts today (UTC): Total=3, Details={"HEALTH_API":{"total":2,"servers":{"sense1":2}},"MQTT_PUBLISH":{"total":1,"servers":{"_no_server_context":1}}}',
  );
  assert.equal(events.length, 3);
  assert.equal(events[0]!.category, 'connection_refused');
  assert.equal(events[0]!.host, 'sense1:4747');
  timers.advance(120_000); // past midnight UTC
  const messages = log.lines.map((l) => l.message);
  const resetAt = messages.indexOf('ERROR TRACKER: Midnight UTC reached, resetting error counters');
  assert.ok(resetAt > 0);
  assert.match(messages[resetAt + 1]!, /Total=3/);
  assert.equal(messages[resetAt + 2], 'ERROR TRACKER: Reset all error counters');
  assert.equal(tracker.summary().total, 0);
  tracker.stop();
  assert.equal(timers.pending(), 0);
});

test('failed polls are counted with the poll facts; disabled tracking does nothing', () => {
  const timers = createFakeTimers(Date.parse('2026-03-01T10:00:00Z'));
  const events: ErrorEventRecord[] = [];
  const tracker = createErrorTracker({
    log: createRecordingLogger(),
    timers,
    onErrorEvent: (r) => events.push(r),
  });
  const poll: FailedPollRecord = {
    kind: 'failed-poll',
    timeMs: timers.now(),
    pollKind: 'proxy-sessions',
    serverName: 'sense2',
    host: 'sense2:4243',
    virtualProxy: '/hdr',
    failure: {
      reason: 'http_status',
      message: 'HTTP 503',
      requestUrl: 'https://sense2:4243/qps/hdr/session',
      httpStatus: 503,
      timeoutMs: 5000,
    },
  };
  tracker.trackFailedPoll(poll);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.errorType, 'PROXY_API');
  assert.equal(events[0]!.category, 'http_5xx');
  assert.equal(events[0]!.virtualProxy, '/hdr');
  tracker.stop();

  const log = createRecordingLogger();
  const off = createErrorTracker({ enable: false, log, timers, onErrorEvent: (r) => events.push(r) });
  off.increment('HEALTH_API', 'x');
  off.trackFailedPoll(poll);
  assert.equal(events.length, 1);
  assert.equal(log.lines.length, 0);
  off.stop();
});

test('butler_sos_errors: tags, optional fields, number types per InfluxDB version', () => {
  const record: ErrorEventRecord = {
    kind: 'error-event',
    timeMs: 1_700_000_000_000,
    errorType: 'HEALTH_API',
    serverName: 'sense1',
    host: 'sense1:4747',
    module: 'HEALTH_METRICS',
    category: 'http_5xx',
    httpStatus: 500,
    requestUrl: 'https://sense1:4747/engine/healthcheck',
    requestTimeoutMs: 10000,
  };
  const v1 = errorEventToInflux(record, { influxVersion: 1 });
  assert.equal(v1.measurement, 'butler_sos_errors');
  assert.deepEqual(v1.tags, {
    error_type: 'HEALTH_API',
    server_name: 'sense1',
    host: 'sense1:4747',
    virtual_proxy: undefined,
    destination_host: undefined,
    module: 'HEALTH_METRICS',
  });
  assert.deepEqual(v1.fields, {
    error_count: { type: 'float', value: 1 },
    error_category: { type: 'string', value: 'http_5xx' },
    http_status: { type: 'float', value: 500 },
    request_url: { type: 'string', value: 'https://sense1:4747/engine/healthcheck' },
    request_timeout_ms: { type: 'float', value: 10000 },
  });
  const v2 = errorEventToInflux({ ...record, serverName: '' }, { influxVersion: 2, measurementName: 'errs' });
  assert.equal(v2.measurement, 'errs');
  assert.equal(v2.tags.server_name, undefined);
  assert.equal(v2.fields.error_count!.type, 'integer');
  assert.equal(errorEventToInflux(record, { influxVersion: 3 }).fields.http_status!.type, 'integer');
});

test('delivery errors are categorised by their code, then by the kind of operation', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:1883'), {
    code: 'ECONNREFUSED',
    address: '10.0.0.9',
    port: 1883,
  });
  const refused = new DeliveryError('MQTT: not connected', { kind: 'retryable', code: 'refused', cause });
  assert.deepEqual(classifyError(refused, 'MQTT_PUBLISH'), {
    category: 'connection_refused',
    code: 'ECONNREFUSED',
    remoteAddress: '10.0.0.9',
    remotePort: 1883,
  });
  const missing = new DeliveryError('InfluxDB: HTTP 404', { kind: 'retryable', code: 'database_not_found' });
  assert.equal(classifyError(missing, 'INFLUXDB_V1_WRITE').category, 'not_found');
  // Message text no longer decides for our own errors: no "timeout" in it, but coded so.
  const slow = new DeliveryError('New Relic: no response within 200 ms', {
    kind: 'retryable',
    code: 'timeout',
  });
  assert.equal(classifyError(slow, 'NEW_RELIC_POST').category, 'timeout');
  const down = new DeliveryError('broker gone', { kind: 'retryable', code: 'unreachable' });
  assert.equal(classifyError(down, 'MQTT_PUBLISH').category, 'mqtt_error');
  assert.equal(
    classifyError(new DeliveryError('x', { kind: 'rejected', code: 'invalid' }), 'NEW_RELIC_POST').category,
    'new_relic_error',
  );
  assert.equal(classifyError(down, 'INFLUXDB_V2_WRITE').category, 'unknown');
});
