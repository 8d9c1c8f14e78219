/**
 * In-process throughput of the UDP hot path: Buffer → text → parse → record → InfluxDB
 * point (and MQTT payload), per datagram kind. Prints events/s; asserts nothing.
 *
 *   node bench/udp-parse.ts [seconds-per-case]
 */
import type { RemoteInfo } from 'node:dgram';
import { createRecordingLogger } from '../src/logging/logger.ts';
import { logEventToInflux, logEventToMqtt } from '../src/mapping/log-event.ts';
import { userEventToInflux } from '../src/mapping/user-event.ts';
import { EventCounters } from '../src/records/event-counts.ts';
import type { LogEventRecord } from '../src/records/log-event.ts';
import type { UserEventRecord } from '../src/records/user-event.ts';
import { createLogEventHandler } from '../src/sources/log-events/handler.ts';
import { createUserEventHandler } from '../src/sources/user-events/handler.ts';
import { createEventClock } from '../src/udp/event-clock.ts';
import { appNameOf, datagramText, LOG_EVENTS, USER_EVENTS } from '../test/support/datagram-fixtures.ts';
import { everyLogSource } from '../test/support/log-sources.ts';

const seconds = Number(process.argv[2] ?? 2);
// The project's datagram fixtures: every log-event layout; the user events the parser accepts.
const logDatagrams = LOG_EVENTS.cases.map(datagramText);
const userDatagrams = USER_EVENTS.cases.filter((c) => c.expected !== undefined).map(datagramText);
const appNames = appNameOf(LOG_EVENTS);

const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 1, size: 0 } as RemoteInfo;
const tags = [{ name: 'qs_env', value: 'prod' }];
const influxCfg = { tags, rawEventIncludesTags: false };
const mqttCfg = {
  sendToMQTT: { baseTopic: 'qliksense/logevent', postTo: { baseTopic: true, subsystemTopics: true } },
  tags,
};

let sink = 0;
function mapLog(e: LogEventRecord, withMqtt: boolean): void {
  const p = logEventToInflux(e, 1, influxCfg);
  sink += p.fields.raw_event ? 1 : 0;
  if (withMqtt) sink += logEventToMqtt(e, mqttCfg).length;
}

const logHandler = (withMqtt: boolean) =>
  createLogEventHandler({
    ...everyLogSource(),
    categorise: {
      enable: true,
      rules: [
        {
          logLevel: ['warn', 'error'],
          action: 'categorise',
          category: [{ name: 'qs_log_category', value: 'access-denied' }],
          filter: [{ type: 'sw', value: 'Access denied' }],
        },
      ],
      ruleDefault: { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] },
    },
    eventCounters: new EventCounters(),
    rejectedCounters: new EventCounters(),
    appNameOf: appNames,
    emit: (e) => mapLog(e, withMqtt),
    log: createRecordingLogger(),
  });

function run(
  name: string,
  buffers: Buffer[],
  handle: (b: Buffer, s: { timeMs: number; timeNsOffset: number }) => void,
) {
  const clock = createEventClock();
  // Warm-up so the JIT has settled.
  for (let i = 0; i < 20_000; i++) handle(buffers[i % buffers.length]!, clock.next());
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) handle(buffers[(n + i) % buffers.length]!, clock.next());
    n += 1000;
  }
  const rate = n / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(52)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} events/s`);
}

const engineOnly = logDatagrams.filter((d) => d.startsWith('/qseow-engine/')).map((d) => Buffer.from(d));
const qixOnly = logDatagrams.filter((d) => d.startsWith('/qseow-qix-perf/')).map((d) => Buffer.from(d));
const allLog = logDatagrams.map((d) => Buffer.from(d));

console.log(`udp-parse bench: node ${process.version}, ${seconds}s per case`);
const h1 = logHandler(false);
run('engine log events: parse + log_event point (v1)', engineOnly, (b, s) => h1.handle(b, rinfo, s));
run('qix-perf events: parse + filter + point (v1)', qixOnly, (b, s) => h1.handle(b, rinfo, s));
run('all log sources: parse + point (v1)', allLog, (b, s) => h1.handle(b, rinfo, s));
const h2 = logHandler(true);
run('all log sources: parse + point + MQTT (2 topics)', allLog, (b, s) => h2.handle(b, rinfo, s));

const userBufs = userDatagrams.map((d) => Buffer.from(d));
const uh = createUserEventHandler({
  eventCounters: new EventCounters(),
  appNameOf: appNames,
  emit: (e: UserEventRecord) => {
    sink += userEventToInflux(e, 1, { tags }).fields.userId ? 1 : 0;
  },
  log: createRecordingLogger(),
});
run('user events: parse + UA (cached) + user_events point', userBufs, (b, s) => uh.handle(b, rinfo, s));

const mem = process.memoryUsage();
console.log(
  `rss ${(mem.rss / 1e6).toFixed(1)} MB, heap used ${(mem.heapUsed / 1e6).toFixed(1)} MB (sink ${sink > 0})`,
);
