/**
 * Runs the sections' cross-field checks (upstream's phase B, docs/reference/runtime.md#cross-field-rules)
 * on a config that passed the schema. Each rule lives with its section, in the `config.ts` beside
 * the component; placeholders are left to placeholders.ts.
 */
import { checkFileOutput } from '../destinations/file/config.ts';
import { checkInfluxdbConfig } from '../destinations/influxdb/config.ts';
import { checkMqttConfig } from '../destinations/mqtt/config.ts';
import { checkNewRelic, checkThirdPartyToolsCredentials } from '../destinations/new-relic/config.ts';
import { checkPrometheus } from '../destinations/prometheus/config.ts';
import { checkRemoteWrite } from '../destinations/remote-write/config.ts';
import { checkHa } from '../ha/config.ts';
import { checkHeartbeat, checkUptimeMonitor } from '../ops/config.ts';
import { checkAnonTelemetry } from '../ops/telemetry/config.ts';
import { checkAuditEvents } from '../sources/audit-api/config.ts';
import { checkLogEvents } from '../sources/log-events/config.ts';
import { checkLogdb } from '../sources/logdb/config.ts';
import { checkAppNames, checkServersToMonitor } from '../sources/sense-polls/config.ts';
import { checkUserEvents } from '../sources/user-events/config.ts';
import { checkQlikSenseEvents } from '../udp/config.ts';
import { checkConfigVisualisation } from '../web/config.ts';
import { type RawIssue, type SectionCheck, SettingsCheck } from './kit/check.ts';
import type { KeyPath } from './kit/paths.ts';
import type { ButlerSosConfig, ButlerSosSettings } from './schema.ts';
import { ROOT } from './schema-repair.ts';

export interface CheckResult {
  errors: RawIssue[];
  warnings: RawIssue[];
}

/** In the order the rules have always run, so issues on one line are listed as they always were. */
const SECTION_CHECKS: readonly SectionCheck<ButlerSosSettings>[] = [
  checkInfluxdbConfig,
  checkAnonTelemetry,
  checkServersToMonitor,
  checkConfigVisualisation,
  checkUserEvents,
  checkLogEvents,
  checkMqttConfig,
  checkPrometheus,
  checkAppNames,
  checkHeartbeat,
  checkUptimeMonitor,
  checkNewRelic,
  checkLogdb,
  checkThirdPartyToolsCredentials,
  checkQlikSenseEvents,
  checkFileOutput,
  checkRemoteWrite,
  checkHa,
  checkAuditEvents,
];

export function checkConfig(
  config: ButlerSosConfig,
  lineOf: (path: KeyPath) => number | undefined,
): CheckResult {
  const check = new SettingsCheck(ROOT, lineOf);
  for (const sectionCheck of SECTION_CHECKS) sectionCheck(config[ROOT], check);
  return { errors: check.errors, warnings: check.warnings };
}
