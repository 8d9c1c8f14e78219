import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import { failedPollToInflux } from '../../../src/mapping/failed-poll.ts';
import { errorCategory } from '../../../src/ops/error-category.ts';
import type { FailedPollRecord } from '../../../src/records/failed-poll.ts';

const proxyFailure: FailedPollRecord = {
  kind: 'failed-poll',
  timeMs: 1_709_640_062_000,
  pollKind: 'proxy-sessions',
  serverName: 'sense1',
  host: 'sense1.corp.local:4243',
  virtualProxy: '/hdr',
  failure: {
    reason: 'refused',
    message: 'connection refused',
    requestUrl: 'https://sense1.corp.local:4243/qps/hdr/session',
    code: 'ECONNREFUSED',
    remoteAddress: '10.0.0.1',
    remotePort: 4243,
    syscall: 'connect',
  },
};
const on = { influxdbConfig: { enable: true } };
const line = (r: FailedPollRecord, v: 1 | 2 | 3, cfg = on) =>
  failedPollToInflux(r, v, cfg).map((p) => encodeLine(p).replace(/ \d+$/, ''));

describe('failed polls → InfluxDB butler_sos_errors (docs/reference/influxdb.md#error-events)', () => {
  it('v1: numbers as floats, tags in upstream order', () => {
    assert.deepEqual(line(proxyFailure, 1), [
      'butler_sos_errors,error_type=PROXY_API,server_name=sense1,host=sense1.corp.local:4243,virtual_proxy=/hdr error_category="connection_refused",error_code="ECONNREFUSED",error_count=1,remote_address="10.0.0.1",remote_port=4243,request_url="https://sense1.corp.local:4243/qps/hdr/session",syscall="connect"',
    ]);
  });

  it('v2/v3: integer counters, sorted tags', () => {
    const expected =
      'butler_sos_errors,error_type=PROXY_API,host=sense1.corp.local:4243,server_name=sense1,virtual_proxy=/hdr error_category="connection_refused",error_code="ECONNREFUSED",error_count=1i,remote_address="10.0.0.1",remote_port=4243i,request_url="https://sense1.corp.local:4243/qps/hdr/session",syscall="connect"';
    assert.deepEqual(line(proxyFailure, 2), [expected]);
    assert.deepEqual(line(proxyFailure, 3), [expected]);
  });

  it('health timeouts and HTTP errors carry request_timeout_ms / http_status', () => {
    const timeout: FailedPollRecord = {
      kind: 'failed-poll',
      timeMs: 1,
      pollKind: 'health',
      serverName: 'sense2',
      host: 'sense2:4747',
      failure: {
        reason: 'timeout',
        message: 'no response',
        requestUrl: 'https://sense2:4747/engine/healthcheck',
        timeoutMs: 5000,
      },
    };
    const [p] = failedPollToInflux(timeout, 2, on);
    assert.equal(p?.tags.error_type, 'HEALTH_API');
    assert.equal(p?.tags.virtual_proxy, undefined);
    assert.deepEqual(p?.fields.request_timeout_ms, { type: 'integer', value: 5000 });
    assert.deepEqual(p?.fields.error_category, { type: 'string', value: 'timeout' });
    const http: FailedPollRecord = {
      ...timeout,
      pollKind: 'app-names',
      failure: {
        reason: 'http_status',
        message: 'HTTP 403',
        requestUrl: 'https://qrs:4242/qrs/app',
        httpStatus: 403,
      },
    };
    const [q] = failedPollToInflux(http, 1, on);
    assert.equal(q?.tags.error_type, 'APP_NAMES_EXTRACT');
    assert.deepEqual(q?.fields.http_status, { type: 'float', value: 403 });
    assert.equal(q?.fields.error_category?.value, 'auth_error');
  });

  it('derives error_category as upstream', () => {
    const cat = (reason: FailedPollRecord['failure']['reason'], httpStatus?: number) =>
      errorCategory({ reason, message: '', requestUrl: '', ...(httpStatus ? { httpStatus } : {}) });
    assert.equal(cat('tls'), 'certificate_error');
    assert.equal(cat('cert_file'), 'certificate_error');
    assert.equal(cat('http_status', 404), 'not_found');
    assert.equal(cat('http_status', 429), 'rate_limited');
    assert.equal(cat('http_status', 503), 'http_5xx');
    assert.equal(cat('http_status', 400), 'http_4xx');
    assert.equal(cat('bad_body'), 'unknown');
    assert.equal(cat('host_not_found'), 'host_not_found');
    assert.equal(cat('connection_reset'), 'connection_reset');
  });

  it('honours errorTracking switches and the measurement name', () => {
    assert.deepEqual(failedPollToInflux(proxyFailure, 1, { influxdbConfig: { enable: false } }), []);
    assert.deepEqual(failedPollToInflux(proxyFailure, 1, { ...on, errorTracking: { enable: false } }), []);
    assert.deepEqual(
      failedPollToInflux(proxyFailure, 1, { ...on, errorTracking: { influxdb: { enable: false } } }),
      [],
    );
    const [p] = failedPollToInflux(proxyFailure, 1, {
      ...on,
      errorTracking: { enable: true, influxdb: { enable: true, measurementName: 'poll_errors' } },
    });
    assert.equal(p?.measurement, 'poll_errors');
  });
});
