import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startHeartbeat } from '../../../src/ops/heartbeat.ts';
import { createFakeTimers } from '../../unit/ops/fake-timers.ts';

async function receiver(status: () => number) {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    res.statusCode = status();
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { requests, base: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

test('heartbeat GETs immediately and on each schedule occurrence; failures are logged without the URL', async () => {
  let status = 200;
  const rx = await receiver(() => status);
  const log = createRecordingLogger();
  const timers = createFakeTimers(Date.parse('2026-01-01T10:00:10Z'));
  const results: boolean[] = [];
  const hb = startHeartbeat({
    remoteURL: `${rx.base}/ping/secret-token-123?key=abc`,
    frequency: 'every 1 minute',
    log,
    timers,
    onResult: (r) => results.push(r.ok),
  });
  try {
    await waitFor(() => results.length === 1);
    assert.equal(rx.requests[0]!.method, 'GET');
    assert.equal(rx.requests[0]!.url, '/ping/secret-token-123?key=abc');
    status = 500;
    timers.runNext();
    await waitFor(() => results.length === 2);
    assert.deepEqual(results, [true, false]);
    assert.ok(
      log.lines.some(
        (l) => l.level === 'error' && l.message === 'HEARTBEAT: Error sending heartbeat: HTTP status 500',
      ),
    );
    status = 200;
    timers.runNext();
    await waitFor(() => results.length === 3);
    assert.equal(results[2], true);
    for (const line of log.lines) assert.ok(!JSON.stringify(line).includes('secret-token'), line.message);
  } finally {
    hb.stop();
    await rx.close();
  }
});

test('an unreachable heartbeat target is logged, never thrown', async () => {
  const rx = await receiver(() => 200);
  await rx.close();
  const log = createRecordingLogger();
  const hb = startHeartbeat({ remoteURL: `${rx.base}/x`, frequency: 'every 1 hour', log, timeoutMs: 2000 });
  try {
    assert.equal(await hb.beat(), false);
    assert.ok(
      log.lines.some(
        (l) => l.level === 'error' && l.message.startsWith('HEARTBEAT: Error sending heartbeat:'),
      ),
    );
  } finally {
    hb.stop();
  }
});

test('invalid frequency or URL gives a clear error', () => {
  const log = createRecordingLogger();
  assert.throws(
    () => startHeartbeat({ remoteURL: 'http://127.0.0.1:1/', frequency: 'whenever', log }),
    /heartbeat\.frequency/,
  );
  assert.throws(
    () => startHeartbeat({ remoteURL: 'not a url', frequency: 'every 1 hour', log }),
    /heartbeat\.remoteURL/,
  );
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
