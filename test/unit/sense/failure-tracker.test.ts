import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { createPollFailureTracker } from '../../../src/sense/failure-tracker.ts';

describe('poll failure tracker', () => {
  it('counts per server and reason and logs only state changes', () => {
    const log = createRecordingLogger();
    const tracker = createPollFailureTracker(log);
    const health = { kind: 'health' as const, serverName: 'sense1', host: 'sense1:4747' };
    const timeout = { reason: 'timeout' as const, message: 'no response within 5000 ms', requestUrl: 'u' };
    tracker.failed(health, timeout);
    tracker.failed(health, timeout);
    tracker.failed(health, timeout);
    tracker.failed(health, { reason: 'refused', message: 'connection refused', requestUrl: 'u' });
    tracker.succeeded(health);
    tracker.succeeded(health);
    const errors = log.lines.filter((l) => l.level === 'error');
    assert.equal(errors.length, 2, 'first failure and change of cause');
    assert.match(errors[0]?.message ?? '', /HEALTH: sense1 \(sense1:4747\): poll failed \(timeout\)/);
    const infos = log.lines.filter((l) => l.level === 'info');
    assert.equal(infos.length, 1);
    assert.match(infos[0]?.message ?? '', /recovered after 4 failed poll/);
    const stats = tracker.stats();
    assert.deepEqual(stats.byServer, { sense1: { timeout: 3, refused: 1 } });
    assert.deepEqual(stats.byKind, { health: { timeout: 3, refused: 1 } });
    assert.equal(stats.total, 4);
    assert.deepEqual(stats.failing, []);
  });

  it('tracks virtual proxies separately and lists failing targets', () => {
    const tracker = createPollFailureTracker(createRecordingLogger());
    const vp = (virtualProxy: string) => ({
      kind: 'proxy-sessions' as const,
      serverName: 's',
      host: 's:4243',
      virtualProxy,
    });
    tracker.failed(vp('/'), {
      reason: 'http_status',
      httpStatus: 404,
      message: 'HTTP status 404',
      requestUrl: 'u',
    });
    tracker.failed(vp('/hdr'), {
      reason: 'http_status',
      httpStatus: 404,
      message: 'HTTP status 404',
      requestUrl: 'u',
    });
    tracker.succeeded(vp('/'));
    const failing = tracker.stats().failing;
    assert.equal(failing.length, 1);
    assert.equal(failing[0]?.virtualProxy, '/hdr');
    assert.equal(failing[0]?.reason, 'http_status');
  });
});
