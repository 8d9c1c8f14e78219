/** Anonymous telemetry: the switch (`anonTelemetry`, upstream's) and its transport (`telemetry`, ours). */
import type { z } from 'zod';
import type { SettingsCheck } from '../../config/kit/check.ts';
import { bool, section, str } from '../../config/kit/fields.ts';
import type { SystemInfoConfig } from '../config.ts';

export const anonTelemetrySchema = bool(true, 'Send anonymous usage telemetry (needs systemInfo.enable).');

export const telemetrySchema = section(
  {
    // The product's PostHog project (EU cloud ingestion); the key is configured, never upstream's.
    host: str(
      'https://eu.i.posthog.com',
      'PostHog host receiving anonymous telemetry (env BUTLER_SOS_TELEMETRY_HOST).',
    ),
    projectKey: str('', 'PostHog project key; empty skips telemetry (env BUTLER_SOS_TELEMETRY_KEY).'),
  },
  'Anonymous telemetry transport (this implementation; anonTelemetry switches it).',
);

export type TelemetryTransportConfig = z.output<typeof telemetrySchema>;

/** Telemetry needs system information (upstream refuses to start otherwise). */
export function checkAnonTelemetry(
  s: { anonTelemetry: boolean; systemInfo: SystemInfoConfig },
  check: SettingsCheck,
): void {
  if (s.anonTelemetry !== true || s.systemInfo.enable !== false) return;
  check.error(
    ['anonTelemetry'],
    `Anonymous telemetry is enabled (${check.at(['anonTelemetry'])}) while system information gathering is disabled ` +
      `(${check.at(['systemInfo', 'enable'])}). Telemetry needs system information: set either ` +
      'Butler-SOS.anonTelemetry=false or Butler-SOS.systemInfo.enable=true.',
    'anonTelemetry false, or systemInfo.enable true',
  );
}
