/**
 * Audit events in InfluxDB 1.x, 2.x or 3.x: one `audit_event` point per event (upstream's point
 * model, src/audit/influx-point.ts), encoded to line protocol, written through the shared
 * InfluxDB sink on the audit section's own connection, after the database or bucket is
 * provisioned (whenever `influxdb` is among the destinations, not only when it is the only one).
 *
 * What upstream retries forever this does not: an answer of 400 (a line InfluxDB cannot parse, a
 * point outside the retention policy) is final for the points it names, which are dropped and
 * counted as rejected while the rest of the batch is written; only network errors, 5xx and
 * 401/403/404 (a database not created yet) are retried. An event with no field at all is not
 * sent (InfluxDB refuses such a line; upstream's database ends up without it too).
 */
import { auditDestination, storedOnWrite } from '../../audit/audit-destination.ts';
import { auditEventToInflux } from '../../audit/influx-point.ts';
import type { Destination, DestinationContext } from '../../components/destination.ts';
import type { AuditEventsConfig } from '../../sources/audit-api/config.ts';
import { encodeLine } from '../influxdb/line-protocol.ts';
import { provisionedInfluxSink } from '../influxdb/provisioning.ts';
import { createInfluxSink } from '../influxdb/sink.ts';
import { influxSinkOptions } from './connection.ts';

const FIELDLESS_WARN_MS = 60_000;

export function createAuditInfluxDestination(context: DestinationContext): Destination {
  const { log } = context;
  const audit = context.settings.auditEvents as AuditEventsConfig;
  const m = audit.destination.influxdb!.metadata;
  const sink = createInfluxSink({ ...influxSinkOptions(m), log });
  const provisioned = provisionedInfluxSink(sink, log);
  const config = {
    measurementName: m.measurementName,
    auditEventSchemaVersion: m.auditEventSchemaVersion,
    staticTags: m.staticTags,
  };
  let lastFieldlessWarn = 0;
  let fieldless = 0;
  return auditDestination<string>({
    name: `Audit events: ${sink.describe()}`,
    context,
    maxBatchSize: m.maxBatchSize,
    map(record) {
      const point = auditEventToInflux(record, config);
      if (point) return encodeLine(point);
      fieldless++;
      const now = Date.now();
      if (now - lastFieldlessWarn >= FIELDLESS_WARN_MS) {
        lastFieldlessWarn = now;
        log.warn(
          `AUDIT INFLUX: ${fieldless} audit event(s) without any field not written (InfluxDB refuses a point without fields); last eventId=${record.envelope.eventId} type=${record.envelope.type}`,
        );
        fieldless = 0;
      }
      return undefined;
    },
    createSink: (stored) => ({ ...storedOnWrite(provisioned, stored), close: () => sink.close() }),
    start() {
      log.info(`CONFIG: Audit events to ${sink.describe()}`);
      provisioned
        .setup()
        .catch((error: Error) => log.error(`AUDIT INFLUX: ${error.message}; retried before the first write`));
    },
  });
}
