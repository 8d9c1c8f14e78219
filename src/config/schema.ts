/**
 * The schema of the Butler SOS config file (upstream v14 keys, plus the v15 keys as optional),
 * composed from the sections. Each section's schema, defaults, TypeScript type and cross-field
 * check live in the `config.ts` beside the component that uses it; the building blocks and the
 * leniency they share are in kit/fields.ts.
 *
 * Format checks (hostname, URI, schedules) and "required when enabled" rules are the sections'
 * checks (run by checks.ts), because they only apply when the feature that uses the value is on.
 * Unknown keys are rejected inside sections and ignored directly under `Butler-SOS`, as upstream.
 */
import { z } from 'zod';
import { deliverySchema } from '../delivery/config.ts';
import { fileOutputSchema } from '../destinations/file/config.ts';
import { influxdbConfigSchema } from '../destinations/influxdb/config.ts';
import { localStoreSchema } from '../destinations/local-store/config.ts';
import { mqttConfigSchema } from '../destinations/mqtt/config.ts';
import { newRelicSchema, thirdPartyToolsCredentialsSchema } from '../destinations/new-relic/config.ts';
import { prometheusSchema } from '../destinations/prometheus/config.ts';
import { remoteWriteSchema } from '../destinations/remote-write/config.ts';
import { haSchema } from '../ha/config.ts';
import { httpSecuritySchema } from '../http-security/config.ts';
import { loggingKeys } from '../logging/config.ts';
import {
  crashFileSchema,
  dockerHealthCheckSchema,
  errorTrackingSchema,
  heartbeatSchema,
  systemInfoSchema,
  uptimeMonitorSchema,
} from '../ops/config.ts';
import { anonTelemetrySchema, telemetrySchema } from '../ops/telemetry/config.ts';
import { auditEventsSchema } from '../sources/audit-api/config.ts';
import { logEventsSchema } from '../sources/log-events/config.ts';
import { logdbSchema } from '../sources/logdb/config.ts';
import {
  appNamesSchema,
  certSchema,
  serversToMonitorSchema,
  userSessionsSchema,
} from '../sources/sense-polls/config.ts';
import { userEventsSchema } from '../sources/user-events/config.ts';
import { qlikSenseEventsSchema } from '../udp/config.ts';
import { configVisualisationSchema, webUiSchema } from '../web/config.ts';

export const settingsSchema = z
  .object({
    ...loggingKeys,
    anonTelemetry: anonTelemetrySchema,
    systemInfo: systemInfoSchema,
    crashFile: crashFileSchema,
    configVisualisation: configVisualisationSchema,
    heartbeat: heartbeatSchema,
    dockerHealthCheck: dockerHealthCheckSchema,
    uptimeMonitor: uptimeMonitorSchema,
    errorTracking: errorTrackingSchema,
    thirdPartyToolsCredentials: thirdPartyToolsCredentialsSchema,
    qlikSenseEvents: qlikSenseEventsSchema,
    userEvents: userEventsSchema,
    logEvents: logEventsSchema,
    cert: certSchema,
    mqttConfig: mqttConfigSchema,
    newRelic: newRelicSchema,
    prometheus: prometheusSchema,
    influxdbConfig: influxdbConfigSchema,
    appNames: appNamesSchema,
    userSessions: userSessionsSchema,
    serversToMonitor: serversToMonitorSchema,
    logdb: logdbSchema,
    // Keys of this implementation (not in upstream Butler SOS; all optional):
    webUi: webUiSchema,
    localStore: localStoreSchema,
    delivery: deliverySchema,
    telemetry: telemetrySchema,
    fileOutput: fileOutputSchema,
    httpSecurity: httpSecuritySchema,
    remoteWrite: remoteWriteSchema,
    ha: haSchema,
    auditEvents: auditEventsSchema,
  })
  .describe('Butler SOS settings. Unknown keys here are ignored (as upstream).');

export const configSchema = z.strictObject({ 'Butler-SOS': settingsSchema });

/** The whole config document, defaults applied, as the rest of the program sees it. */
export type ButlerSosConfig = z.output<typeof configSchema>;
export type ButlerSosSettings = ButlerSosConfig['Butler-SOS'];

/**
 * Sections whose full schema applies only when their `enable` is true, as upstream; when off,
 * problems inside them are reported as warnings and the default is used instead
 * (docs/reference/runtime.md#what-is-checked).
 */
export const CONDITIONAL_SECTIONS = [
  'mqttConfig',
  'newRelic',
  'userEvents',
  'prometheus',
  'influxdbConfig',
  'configVisualisation',
  'heartbeat',
  'dockerHealthCheck',
  'crashFile',
  'errorTracking',
  'logdb',
  'fileOutput',
  'remoteWrite',
] as const;
