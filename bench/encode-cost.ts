/**
 * In-process cost of encoding InfluxDB points into line protocol bytes (LineSlab, the hot
 * path's encoder), per datagram kind: the simulator's datagrams (bench/udp-sender.ts's pools)
 * are parsed and mapped once, then encoded again and again; CPU µs per point from
 * process.cpuUsage. `--compare FILE` loads another copy of line-bytes.ts (e.g. one saved
 * before a change) and measures it on the same points, alternately.
 *
 *   node bench/encode-cost.ts [--kinds engine,qixPerf,user] [--rounds 5] [--compare FILE.ts]
 */
import type { RemoteInfo } from 'node:dgram';
import { parseArgs } from 'node:util';
import { LineSlab } from '../src/destinations/influxdb/line-bytes.ts';
import { createRecordingLogger } from '../src/logging/logger.ts';
import { logEventToInflux } from '../src/mapping/log-event.ts';
import type { InfluxPoint } from '../src/mapping/shapes.ts';
import { userEventToInflux } from '../src/mapping/user-event.ts';
import { EventCounters } from '../src/records/event-counts.ts';
import type { LogEventRecord } from '../src/records/log-event.ts';
import { createLogEventHandler } from '../src/sources/log-events/handler.ts';
import { createUserEventHandler } from '../src/sources/user-events/handler.ts';
import { createEventClock } from '../src/udp/event-clock.ts';
import { everyLogSource } from '../test/support/log-sources.ts';
import { datagramPool, type SenderKind } from './udp-sender.ts';

interface Encoder {
  encode(point: InfluxPoint): Uint8Array | undefined;
}

const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 1, size: 0 } as RemoteInfo;
const influxCfg = { tags: [{ name: 'qs_env', value: 'prod' }], rawEventIncludesTags: false };

/** The InfluxDB v1 points of a pool of datagrams of one kind, as the agent maps them. */
function pointsOf(kind: SenderKind): InfluxPoint[] {
  const points: InfluxPoint[] = [];
  const clock = createEventClock();
  if (kind === 'user') {
    const handler = createUserEventHandler({
      eventCounters: new EventCounters(),
      appNameOf: () => undefined,
      emit: (e) => points.push(userEventToInflux(e, 1, influxCfg)),
      log: createRecordingLogger(),
    });
    for (const d of datagramPool(kind, 2000)) handler.handle(d, rinfo, clock.next());
    return points;
  }
  const handler = createLogEventHandler({
    ...everyLogSource(),
    categorise: { enable: false, rules: [], ruleDefault: { enable: false, category: [] } },
    eventCounters: new EventCounters(),
    rejectedCounters: new EventCounters(),
    appNameOf: () => undefined,
    emit: (e: LogEventRecord) => points.push(logEventToInflux(e, 1, influxCfg)),
    log: createRecordingLogger(),
  } as unknown as Parameters<typeof createLogEventHandler>[0]);
  for (const d of datagramPool(kind, 2000)) handler.handle(d, rinfo, clock.next());
  return points;
}

function usPerPoint(encoder: Encoder, points: InfluxPoint[], repeat: number): number {
  const before = process.cpuUsage();
  let bytes = 0;
  for (let r = 0; r < repeat; r++) for (const p of points) bytes += encoder.encode(p)?.length ?? 0;
  const used = process.cpuUsage(before);
  if (bytes === 0) throw new Error('nothing encoded');
  return (used.user + used.system) / (repeat * points.length);
}

const { values } = parseArgs({
  options: {
    kinds: { type: 'string', default: 'engine,qixPerf,user' },
    rounds: { type: 'string', default: '5' },
    compare: { type: 'string' },
  },
});
const other = values.compare
  ? ((await import(values.compare)) as { LineSlab: new () => Encoder }).LineSlab
  : undefined;
for (const kind of values.kinds.split(',') as SenderKind[]) {
  const points = pointsOf(kind);
  const a = new LineSlab();
  const b = other ? new other() : undefined;
  usPerPoint(a, points, 20);
  if (b) usPerPoint(b, points, 20);
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < Number(values.rounds); i++) {
    as.push(usPerPoint(a, points, 50));
    if (b) bs.push(usPerPoint(b, points, 50));
  }
  const best = (xs: number[]) => Math.min(...xs).toFixed(2);
  console.log(
    `${kind.padEnd(10)} ${points.length} points: ${best(as)} µs/point` +
      (b ? `; compared: ${best(bs)} µs/point` : ''),
  );
}
