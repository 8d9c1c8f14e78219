/**
 * The config sections of the operational features: host information, crash files, the
 * heartbeat, the Docker health endpoint, the uptime monitor and error tracking.
 */
import { z } from 'zod';
import type { SettingsCheck } from '../config/kit/check.ts';
import {
  bool,
  enableOnly,
  list,
  nameValue,
  openSection,
  port,
  section,
  str,
  trimLower,
} from '../config/kit/fields.ts';
import { LOG_LEVELS } from '../logging/logger.ts';

export const systemInfoSchema = section(
  {
    enable: bool(
      true,
      'Gather detailed host information with OS commands (false: minimal, from the runtime).',
    ),
  },
  'Host information gathering.',
);

export const crashFileSchema = section(
  {
    enable: bool(true, 'Write crash dump files on a fatal error.'),
    crashFileDirectory: str('./crash_dumps', 'Folder for crash dumps, relative to the working directory.'),
    crashFileCreateJson: bool(true, 'Write the JSON dump.'),
    crashFileCreateText: bool(true, 'Write the text dump.'),
  },
  '[v15] Crash dump files.',
);

export const heartbeatSchema = section(
  {
    enable: bool(false, 'Call remoteURL periodically to signal that the agent is alive.'),
    remoteURL: str('', 'URL called with GET (required when enabled).'),
    frequency: str('every 1 hour', 'Schedule in later.js text syntax, e.g. "every 15 minutes".'),
  },
  'Heartbeat to a monitoring tool.',
);

export const dockerHealthCheckSchema = section(
  {
    enable: bool(false, 'Serve GET /health for Docker health checks.'),
    port: port(12398, 'Port of the health endpoint.'),
  },
  'Docker health check endpoint.',
);

const uptimeNewRelic = openSection(
  {
    enable: bool(false, 'Post uptime metrics to New Relic (independent of newRelic.enable).'),
    destinationAccount: list(
      z.string(),
      'New Relic account names (thirdPartyToolsCredentials.newRelic[].accountName).',
    ),
    metric: section(
      {
        dynamic: section(
          {
            butlerMemoryUsage: enableOnly(true, 'Send the memory gauges.'),
            butlerUptime: enableOnly(true, 'Send the uptime gauge.'),
          },
          'Metric groups.',
        ),
      },
      'Uptime metrics.',
    ),
    attribute: section(
      {
        static: list(nameValue, 'Static attributes on uptime metrics.'),
        dynamic: section(
          { butlerVersion: enableOnly(true, 'Add attribute version.') },
          'Dynamic attributes.',
        ),
      },
      'Uptime metric attributes.',
    ),
  },
  'Uptime data in New Relic.',
);

export const uptimeMonitorSchema = section(
  {
    enable: bool(false, 'Log uptime and memory use periodically.'),
    frequency: str('every 15 minutes', 'Schedule in later.js text syntax.'),
    logLevel: z
      .preprocess(trimLower, z.enum(LOG_LEVELS))
      .default('verbose')
      .describe('Level of the uptime log lines (case-insensitive).'),
    storeInInfluxdb: section(
      {
        butlerSOSMemoryUsage: bool(
          true,
          'Write own memory use to InfluxDB (also needs influxdbConfig.enable).',
        ),
        instanceTag: str('DEV', 'Value of tag butler_sos_instance.'),
      },
      'Uptime data in InfluxDB.',
    ),
    storeNewRelic: uptimeNewRelic,
  },
  'Uptime monitor.',
);

export const errorTrackingSchema = section(
  {
    enable: bool(true, 'Count errors per type and server.'),
    logSummary: enableOnly(true, 'Log error count summaries.'),
    influxdb: section(
      {
        enable: bool(true, 'Write one point per error to InfluxDB (also needs influxdbConfig.enable).'),
        measurementName: str('butler_sos_errors', 'Measurement name.'),
      },
      'Error points in InfluxDB.',
    ),
  },
  '[v15] Error tracking.',
);

export type SystemInfoConfig = z.output<typeof systemInfoSchema>;
export type CrashFileConfig = z.output<typeof crashFileSchema>;
export type HeartbeatConfig = z.output<typeof heartbeatSchema>;
export type DockerHealthCheckConfig = z.output<typeof dockerHealthCheckSchema>;
export type UptimeMonitorConfig = z.output<typeof uptimeMonitorSchema>;
export type ErrorTrackingConfig = z.output<typeof errorTrackingSchema>;

export function checkHeartbeat(s: { heartbeat: HeartbeatConfig }, check: SettingsCheck): void {
  if (!s.heartbeat.enable) return;
  const because = 'heartbeat.enable is true';
  check.requireHttpUrl(['heartbeat', 'remoteURL'], s.heartbeat.remoteURL, because);
  check.requireSchedule(['heartbeat', 'frequency'], s.heartbeat.frequency, because);
}

export function checkUptimeMonitor(s: { uptimeMonitor: UptimeMonitorConfig }, check: SettingsCheck): void {
  if (!s.uptimeMonitor.enable) return;
  check.requireSchedule(
    ['uptimeMonitor', 'frequency'],
    s.uptimeMonitor.frequency,
    'uptimeMonitor.enable is true',
  );
}
