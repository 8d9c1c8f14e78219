/**
 * InfluxDB 1.x, 2.x or 3.x as a destination: the shared point mappings, encoded to line
 * protocol (what the queue holds and the spool keeps), written by the version's sink after
 * the database is provisioned.
 */
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { queuedDestination } from '../../components/queued-destination.ts';
import { influxPointMappings } from '../../mapping/influx-points.ts';
import type { InfluxPoint, InfluxVersion } from '../../mapping/shapes.ts';
import { mapPerKind } from '../../records/record.ts';
import { type LineItem, LineSlab, lineBytes, lineSpoolCodec } from './line-bytes.ts';
import { provisionedInfluxSink } from './provisioning.ts';
import { createInfluxSink } from './sink.ts';

export function createInfluxDestination(context: DestinationContext): Destination {
  const { settings, log } = context;
  const ic = settings.influxdbConfig;
  const version = ic.version as InfluxVersion;
  const sink = createInfluxSink({
    version,
    host: ic.host,
    port: ic.port,
    v1: {
      database: ic.v1Config.dbName,
      retentionPolicy: ic.v1Config.retentionPolicy,
      ...(ic.v1Config.auth.enable
        ? { username: ic.v1Config.auth.username, password: ic.v1Config.auth.password }
        : {}),
    },
    v2: ic.v2Config,
    v3: ic.v3Config,
    timeoutMs: ic.v3Config.writeTimeout,
    log,
  });
  // The queue holds lines as bytes (line-bytes.ts) and gives them back to the slab they were
  // encoded into when done; the spool stores them as they are.
  const slab = new LineSlab({ recycle: true });
  const provisioned = Object.assign(provisionedInfluxSink(sink, log), {
    spoolCodec: lineSpoolCodec(slab),
    sizeOf: lineBytes,
    release: (lines: readonly LineItem[]) => slab.release(lines),
  });
  const points = influxPointMappings({
    settings,
    version,
    agentVersion: context.version,
    honourSwitches: true,
    log,
  });
  return queuedDestination({
    name: sink.describe(),
    context,
    sink: provisioned,
    maxBatchSize: ic.maxBatchSize,
    mappings: mapPerKind(points, (list) => encodeAll(list, slab)),
    start() {
      log.info(`CONFIG: Influxdb enabled: true, ${sink.describe()}`);
      // Provisioning never blocks the start (upstream logs and continues): writes wait for it
      // and retry it, so an InfluxDB that is down at start is provisioned when it is back.
      provisioned
        .setup()
        .catch((error: Error) => log.error(`CONFIG: ${error.message}; retried before the first write`));
    },
    close: () => sink.close(),
  });
}

/** Line protocol of the points, as bytes; a point with no fields encodes to "" and is left out. */
function encodeAll(points: readonly InfluxPoint[], slab: LineSlab): LineItem[] {
  const lines: LineItem[] = [];
  for (const point of points) {
    const line = slab.encode(point);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}
