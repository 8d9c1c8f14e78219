/**
 * The shared UDP listener over real UDP on 127.0.0.1 (OS-chosen ports): size limit,
 * allow-list, rate limit, queue full, handler failures, receive-time stamps, and the
 * kernel's drop counter.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { EventStamp } from '../../../src/udp/event-clock.ts';
import { startUdpListener, type UdpListener, type UdpListenerOptions } from '../../../src/udp/listener.ts';

const sender = dgram.createSocket('udp4');
after(() => sender.close());

function send(port: number, payload: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    sender.send(payload, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

const open: UdpListener[] = [];
after(async () => {
  for (const l of open) await l.close();
});

async function listen(over: Partial<UdpListenerOptions> = {}) {
  const log = createRecordingLogger();
  const got: { text: string; stamp: EventStamp }[] = [];
  const l = await startUdpListener({
    name: 'test',
    host: '127.0.0.1',
    port: 0,
    receiveBufferBytes: 1 << 20,
    maxMessageSize: 65507,
    queue: { maxConcurrent: 10, maxSize: 200, backpressureThreshold: 80 },
    onDatagram: (buf, _rinfo, stamp) => {
      got.push({ text: buf.toString(), stamp });
    },
    log,
    ...over,
  });
  open.push(l);
  return { l, log, got, port: l.address().port };
}

describe('UDP listener', () => {
  it('delivers datagrams with strictly increasing receive stamps and reports the receive buffer', async () => {
    const { l, got, port, log } = await listen();
    for (let i = 0; i < 20; i++) await send(port, `m${i}`);
    await until(() => got.length === 20);
    const s = l.stats();
    assert.equal(s.received, 20);
    assert.equal(s.processed, 20);
    assert.equal(s.droppedTotal, 0);
    assert.ok(s.receiveBuffer.obtainedBytes > 0);
    assert.equal(s.receiveBuffer.requestedBytes, 1 << 20);
    assert.ok(log.lines.some((x) => x.context?.obtainedBytes === s.receiveBuffer.obtainedBytes));
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1]!.stamp;
      const b = got[i]!.stamp;
      assert.ok(b.timeMs > a.timeMs || (b.timeMs === a.timeMs && b.timeNsOffset > a.timeNsOffset));
    }
    if (process.platform === 'linux') assert.equal(typeof s.kernelDrops, 'number');
  });

  it('drops datagrams over maxMessageSize, counted, with one warning per interval', async () => {
    const { l, got, port, log } = await listen({ maxMessageSize: 50 });
    for (let i = 0; i < 5; i++) await send(port, 'x'.repeat(51));
    await send(port, 'x'.repeat(50));
    await until(() => got.length === 1);
    await until(() => l.stats().dropped.too_large === 5);
    assert.equal(l.stats().received, 6);
    assert.equal(log.lines.filter((x) => x.level === 'warn' && x.message.includes('too_large')).length, 1);
  });

  it('drops senders outside the allow-list (not counted as received), accepts listed names', async () => {
    const denied = await listen({ allowedSources: ['10.1.2.3'] });
    await send(denied.port, 'hello');
    await until(() => denied.l.stats().dropped.source_not_allowed === 1);
    assert.equal(denied.l.stats().received, 0);
    assert.equal(denied.got.length, 0);

    const allowed = await listen({ allowedSources: ['localhost', 'no-such-host.invalid'] });
    await send(allowed.port, 'hello');
    await until(() => allowed.got.length === 1);
    assert.ok(
      allowed.log.lines.some((x) => x.level === 'error' && x.message.includes('no-such-host.invalid')),
    );
  });

  it('fails open with a warning when no allowed source resolves (as upstream)', async () => {
    const { got, port, log } = await listen({ allowedSources: [] });
    await send(port, 'hello');
    await until(() => got.length === 1);
    assert.ok(log.lines.some((x) => x.level === 'warn' && x.message.includes('accepting every sender')));
  });

  it('rate limit: fixed window, excess dropped and counted, new window accepts again', async () => {
    const { l, got, port } = await listen({
      rateLimit: { enable: true, maxMessagesPerMinute: 3, windowMs: 300 },
    });
    for (let i = 0; i < 5; i++) await send(port, `r${i}`);
    await until(() => l.stats().received === 5);
    assert.equal(got.length, 3);
    assert.equal(l.stats().dropped.rate_limited, 2);
    assert.ok(l.stats().rateLimitCurrent > 0);
    await sleep(350);
    await send(port, 'later');
    await until(() => got.length === 4);
  });

  it('queue: maxConcurrent running, maxSize waiting, the rest dropped as queue_full; backpressure warned', async () => {
    const releases: (() => void)[] = [];
    const { l, port, log } = await listen({
      queue: { maxConcurrent: 1, maxSize: 2, backpressureThreshold: 50 },
      onDatagram: () => new Promise<void>((resolve) => releases.push(resolve)),
    });
    for (let i = 0; i < 5; i++) await send(port, `q${i}`);
    await until(() => l.stats().received === 5);
    let s = l.stats();
    assert.equal(s.running, 1);
    assert.equal(s.queueSize, 2);
    assert.equal(s.queuePeak, 2);
    assert.equal(s.dropped.queue_full, 2);
    assert.equal(s.accepted, 3);
    assert.equal(s.backpressureActive, true);
    assert.ok(log.lines.some((x) => x.level === 'warn' && x.message.includes('backpressure')));
    while (l.stats().processed < 3) {
      releases.shift()?.();
      await sleep(5);
    }
    s = l.stats();
    assert.equal(s.queueSize, 0);
    assert.equal(s.running, 0);
    const w = l.window();
    assert.equal(w.processingTimesMs.length, 3);
    l.resetWindow();
    assert.equal(l.window().received, 0);
    assert.equal(l.window().processingTimesMs.length, 0);
    assert.equal(l.stats().received, 5, 'totals are not reset');
  });

  it('counts handler failures and keeps running', async () => {
    let n = 0;
    const { l, port, log } = await listen({
      onDatagram: () => {
        n++;
        if (n % 2 === 1) throw new Error('boom');
      },
    });
    for (let i = 0; i < 4; i++) await send(port, `f${i}`);
    await until(() => l.stats().processed + l.stats().failed === 4);
    assert.equal(l.stats().failed, 2);
    assert.equal(log.lines.filter((x) => x.level === 'error').length, 1, 'failure log is rate-limited');
  });

  it('rejects a bad queue config and a port in use with clear errors', async () => {
    await assert.rejects(
      listen({ queue: { maxConcurrent: 0, maxSize: 1, backpressureThreshold: 80 } }),
      /maxConcurrent must be an integer/,
    );
    const { port } = await listen();
    await assert.rejects(listen({ port }), /cannot bind 127\.0\.0\.1:\d+/);
  });

  it('every datagram is accounted for: received + kernel drops = sent (Linux)', {
    skip: process.platform !== 'linux',
  }, async () => {
    const { l, got, port } = await listen({ receiveBufferBytes: 4096 });
    const total = 3000;
    // spawnSync blocks this process (so nothing reads the socket) while the child floods it.
    spawnSync(
      process.execPath,
      [
        '-e',
        `const s=require('node:dgram').createSocket('udp4');let i=0;const b=Buffer.alloc(400,120);
         (function next(){ if(i>=${total}){s.close();return;} s.send(b,${port},'127.0.0.1',()=>{i++;next();}); })();`,
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    await until(() => {
      const s = l.stats();
      return s.received + (s.kernelDrops ?? 0) >= total;
    }, 5000);
    const s = l.stats();
    assert.equal(s.received + (s.kernelDrops ?? 0), total);
    assert.equal(got.length, s.received);
    assert.ok((s.kernelDrops ?? 0) > 0, 'the flood overflowed the small buffer');
  });
});
