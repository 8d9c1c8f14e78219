/**
 * Receive side of the UDP pipeline at fixed rates: a child process sends engine log events
 * to the shared listener; this process parses, categorises, maps to InfluxDB points and
 * encodes line protocol (then discards it: no database in the loop). For each rate it
 * prints what arrived, kernel drops, loss, CPU and RSS, so the highest loss-free rate of
 * the receive path is visible. (The end-to-end figure with InfluxDB is a separate bench.)
 *
 *   node bench/udp-listener.ts [seconds-per-rate] [rate,rate,...]
 */
import { spawn } from 'node:child_process';
import { encodeLine } from '../src/destinations/influxdb/line-protocol.ts';
import { createRecordingLogger } from '../src/logging/logger.ts';
import { logEventToInflux } from '../src/mapping/log-event.ts';
import { EventCounters } from '../src/records/event-counts.ts';
import { createLogEventHandler } from '../src/sources/log-events/handler.ts';
import { startUdpListener } from '../src/udp/listener.ts';

const seconds = Number(process.argv[2] ?? 5);
const rates = (process.argv[3] ?? '10000,25000,50000,75000,100000').split(',').map(Number);
const log = createRecordingLogger();
let bytes = 0;
const on = { enable: true };
const cfg = { tags: [{ name: 'qs_env', value: 'bench' }] };
const handler = createLogEventHandler({
  source: { engine: on, proxy: on, repository: on, scheduler: on, qixPerf: on },
  categorise: {
    enable: true,
    rules: [],
    ruleDefault: { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] },
  },
  eventCounters: new EventCounters(),
  emit: (e) => {
    bytes += encodeLine(logEventToInflux(e, 1, cfg)).length;
  },
  log,
});
const listener = await startUdpListener({
  name: 'log_events',
  host: '127.0.0.1',
  port: 0,
  receiveBufferBytes: 32 << 20,
  maxMessageSize: 65507,
  queue: { maxConcurrent: 10, maxSize: 200, backpressureThreshold: 80 },
  onDatagram: (b, r, s) => handler.handle(b, r, s),
  log,
});
const port = listener.address().port;
const sendScript = new URL('./udp-sender.ts', import.meta.url).pathname;
const idleRss = process.memoryUsage().rss;
console.log(
  `udp-listener bench: node ${process.version}, ${seconds}s per rate, receive buffer obtained ${listener.stats().receiveBuffer.obtainedBytes} bytes, idle RSS ${(idleRss / 1e6).toFixed(1)} MB`,
);
console.log('rate/s     sent       received   kernel-drops  loss     cpu%   rss MB');

for (const rate of rates) {
  const before = listener.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const child = spawn(process.execPath, [sendScript, String(port), String(rate), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => child.on('exit', resolve));
  // Let the last datagrams drain from the socket buffer.
  let last = -1;
  while (listener.stats().received !== last) {
    last = listener.stats().received;
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(rssTimer);
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const after = listener.stats();
  const sent = (JSON.parse(out || '{"sent":0}') as { sent: number }).sent;
  const received = after.received - before.received;
  const kernel = (after.kernelDrops ?? 0) - (before.kernelDrops ?? 0);
  const loss = sent === 0 ? 0 : (sent - received) / sent;
  console.log(
    [
      String(rate).padEnd(10),
      String(sent).padEnd(10),
      String(received).padEnd(10),
      String(kernel).padEnd(13),
      `${(loss * 100).toFixed(2)}%`.padEnd(8),
      (((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0).padEnd(6),
      (peakRss / 1e6).toFixed(1),
    ].join(' '),
  );
}
const hs = handler.stats();
console.log(
  `forwarded ${hs.emitted}, rejected ${JSON.stringify(hs.rejected)}, encoded ${(bytes / 1e6).toFixed(0)} MB`,
);
await listener.close();
