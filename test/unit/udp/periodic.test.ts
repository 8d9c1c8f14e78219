import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { EventCounters, type EventCountsRecord } from '../../../src/records/event-counts.ts';
import { logEventsSchema } from '../../../src/sources/log-events/config.ts';
import { userEventsSchema } from '../../../src/sources/user-events/config.ts';
import { startUdpListener } from '../../../src/udp/listener.ts';
import { udpListenerOptions } from '../../../src/udp/listener-options.ts';
import { startEventCountsFlusher, startQueueMetricsReporter } from '../../../src/udp/periodic.ts';

describe('UDP config mapping', () => {
  it('maps upstream keys, v15 source validation and defaults', () => {
    // Through the sections' schemas, as the agent gets them: the defaults are the schema's.
    const user = userEventsSchema.parse({
      udpServerConfig: {
        serverHost: '0.0.0.0',
        portUserActivityEvents: 9997,
        messageQueue: { maxConcurrent: 5, maxSize: 50, backpressureThreshold: 70 },
        rateLimit: { enable: false, maxMessagesPerMinute: 600 },
        maxMessageSize: 65507,
        enableSourceValidation: true,
        allowedSources: ['10.0.0.1'],
      },
    }).udpServerConfig;
    const o = udpListenerOptions('user_events', user.portUserActivityEvents, user);
    assert.deepEqual(o, {
      name: 'user_events',
      host: '0.0.0.0',
      port: 9997,
      receiveBufferBytes: 32 * 1024 * 1024,
      maxMessageSize: 65507,
      allowedSources: ['10.0.0.1'],
      rateLimit: null,
      queue: { maxConcurrent: 5, maxSize: 50, backpressureThreshold: 70 },
    });
    const logEvents = logEventsSchema.parse({
      udpServerConfig: { serverHost: 'h', allowedSources: ['x'], rateLimit: { enable: true } },
    }).udpServerConfig;
    const l = udpListenerOptions('log_events', logEvents.portLogEvents, logEvents);
    assert.equal(l.port, 9996);
    assert.equal(l.allowedSources, null, 'validation off: no allow-list');
    assert.deepEqual(l.rateLimit, { enable: true, maxMessagesPerMinute: 600 });
    assert.equal(l.maxMessageSize, 65507, 'v15: missing = the largest UDP payload, so no limit');
  });
});

describe('periodic UDP writes', () => {
  it('queue metrics: window restarts after a successful write only', async () => {
    const log = createRecordingLogger();
    const listener = await startUdpListener({
      host: '127.0.0.1',
      port: 0,
      receiveBufferBytes: 65536,
      queue: { maxConcurrent: 1, maxSize: 10, backpressureThreshold: 80 },
      onDatagram: () => {},
      log,
    });
    const sock = dgram.createSocket('udp4');
    const send = () =>
      new Promise<void>((r) => sock.send('x', listener.address().port, '127.0.0.1', () => r()));
    let fail = true;
    const seen: number[] = [];
    const reporter = startQueueMetricsReporter({
      listener,
      intervalMs: 60_000,
      write: async (_stats, window) => {
        seen.push(window.received);
        if (fail) throw new Error('influx down');
      },
      log,
    });
    try {
      await send();
      await send();
      while (listener.stats().received < 2) await sleep(5);
      await reporter.tick();
      fail = false;
      await send();
      while (listener.stats().received < 3) await sleep(5);
      await reporter.tick();
      await reporter.tick();
      assert.deepEqual(seen, [2, 3, 0]);
      assert.ok(log.lines.some((l) => l.level === 'warn' && l.message.includes('keep accumulating')));
    } finally {
      reporter.stop();
      sock.close();
      await listener.close();
    }
  });

  it('event counts: taken every tick, empty intervals not written, failures logged', async () => {
    const counters = new EventCounters();
    const written: EventCountsRecord[] = [];
    let fail = false;
    const log = createRecordingLogger();
    const f = startEventCountsFlusher({
      counters,
      intervalMs: 60_000,
      write: (r) => {
        if (fail) throw new Error('down');
        written.push(r);
      },
      log,
      now: () => 77,
    });
    await f.tick();
    assert.equal(written.length, 0);
    counters.count('log', 'qseow-engine', 'h', 's');
    await f.tick();
    assert.equal(written.length, 1);
    assert.equal(written[0]!.timeMs, 77);
    fail = true;
    counters.count('log', 'qseow-engine', 'h', 's');
    await f.tick();
    assert.equal(counters.take(0).counts.length, 0, 'restarted even though the write failed');
    assert.equal(log.lines.length, 1);
    f.stop();
  });
});
