/**
 * What the two UDP event sections share: the listener settings (`udpServerConfig`, v14 keys,
 * v15's `enableSourceValidation`/`allowedSources` and our `receiveBufferBytes`), and the event
 * counters both sources feed (`qlikSenseEvents`), flushed by periodic.ts.
 */
import { z } from 'zod';
import type { SettingsCheck } from '../config/kit/check.ts';
import { bool, count, list, nameValue, percent, positive, section, str } from '../config/kit/fields.ts';

/**
 * One event section's `udpServerConfig`; `portShape` is its port key with its default
 * (`portLogEvents` 9996, `portUserActivityEvents` 9997).
 */
export function udpServerConfig<P extends z.ZodRawShape>(portShape: P, measurement: string, what: string) {
  return section(
    {
      serverHost: str('0.0.0.0', `Host name or IPv4 address the ${what} UDP listener binds to.`),
      ...portShape,
      messageQueue: section(
        {
          maxConcurrent: count(10, 'Datagrams processed at the same time.'),
          maxSize: count(200, 'Datagrams waiting; further ones are dropped and counted ("queue full").'),
          backpressureThreshold: percent(80, 'Warn when the queue is this full (percent of maxSize).'),
        },
        'Queue between the UDP socket and event processing.',
      ),
      rateLimit: section(
        {
          enable: bool(false, 'Limit datagrams per minute.'),
          maxMessagesPerMinute: count(
            600,
            'Datagrams accepted per fixed 60 s window; excess is dropped and counted.',
          ),
        },
        'Per-minute rate limit.',
      ),
      maxMessageSize: count(65507, 'Larger datagrams are dropped and counted (bytes).'),
      // 32 MiB: at 25 000 events/s of ~500 bytes a stall of one second (GC, a slow disk) needs
      // ~12 MB of kernel buffer. The listener reports what the kernel granted.
      receiveBufferBytes: count(
        32 * 1024 * 1024,
        'Socket receive buffer to ask the OS for (bytes; this implementation). Linux caps it at net.core.rmem_max.',
      ),
      queueMetrics: section(
        {
          influxdb: section(
            {
              enable: bool(false, 'Write queue metrics to InfluxDB (also needs influxdbConfig.enable).'),
              writeFrequency: positive(20000, 'Write interval (ms).'),
              measurementName: str(measurement, 'Measurement name.'),
              tags: list(nameValue, 'Static tags on queue metric points.'),
            },
            'Queue metrics in InfluxDB.',
          ),
        },
        'Queue metrics.',
      ),
      enableSourceValidation: bool(false, '[v15] Accept datagrams only from allowedSources.'),
      allowedSources: list(
        z.string(),
        '[v15] Host names or IP addresses allowed to send (when enableSourceValidation).',
      ),
    },
    `UDP listener for ${what}.`,
  );
}

/** The listener settings both event sections share (each adds its own port key). */
export type UdpServerConfig = z.output<ReturnType<typeof udpServerConfig<Record<never, never>>>>;

export const qlikSenseEventsSchema = section(
  {
    influxdb: section(
      {
        enable: bool(false, 'Store event counters in InfluxDB.'),
        writeFrequency: positive(20000, 'Counter flush interval (ms).'),
      },
      'Event counters in InfluxDB.',
    ),
    eventCount: section(
      {
        enable: bool(false, 'Count received user and log events.'),
        influxdb: section(
          {
            measurementName: str('event_count', 'Measurement name.'),
            tags: list(nameValue, 'Static tags on count points.'),
          },
          'Event count storage.',
        ),
      },
      'Event counts.',
    ),
    rejectedEventCount: section(
      {
        enable: bool(false, 'Count well-formed events rejected by filters.'),
        influxdb: section(
          { measurementName: str('rejected_event_count', 'Measurement name.') },
          'Rejected event count storage.',
        ),
      },
      'Rejected event counts.',
    ),
  },
  'Counters shared by user and log events.',
);

export type QlikSenseEventsConfig = z.output<typeof qlikSenseEventsSchema>;

/** Rejected performance events asked for in `logEvents` are counted only when their counter is on. */
export function checkQlikSenseEvents(
  s: {
    qlikSenseEvents: QlikSenseEventsConfig;
    // Written out: the log-events folder imports this one, so its types are not imported back.
    logEvents: { enginePerformanceMonitor: { trackRejectedEvents: { enable: boolean } } };
  },
  check: SettingsCheck,
): void {
  if (
    s.logEvents.enginePerformanceMonitor.trackRejectedEvents.enable &&
    !s.qlikSenseEvents.rejectedEventCount.enable
  ) {
    check.warn(
      ['logEvents', 'enginePerformanceMonitor', 'trackRejectedEvents', 'enable'],
      'rejected performance events are not counted because qlikSenseEvents.rejectedEventCount.enable is false',
    );
  }
}
