/**
 * Anonymous telemetry sender (docs/reference/runtime.md#anonymous-telemetry). Sends the event of
 * `payload.ts` at start and then every 12 hours, in the background, to the product's own PostHog
 * project.
 *
 * Transport: one plain JSON POST to PostHog's single-event capture endpoint (`/i/v0/e/`)
 * instead of posthog-node, because the whole exchange is one request every 12 hours and a
 * direct call gives exact control over what goes out (no library metadata, no retries,
 * no background flush timers keeping the process alive) and over the timeout.
 * GeoIP enrichment is turned off with PostHog's `$geoip_disable` property.
 */
import { requestOnce } from '../../http/client.ts';
import type { Logger } from '../../logging/logger.ts';
import { systemTimers, type Timers } from '../timers.ts';
import type { TelemetryPayload } from './payload.ts';

export const TELEMETRY_INTERVAL_MS = 12 * 60 * 60 * 1000;
export const TELEMETRY_DOCS = 'docs/telemetry.md';

export interface TelemetryOptions {
  /** `anonTelemetry`. */
  enabled: boolean;
  /** PostHog host from config (`telemetry.host`); overridden by BUTLER_SOS_TELEMETRY_HOST. */
  host: string;
  /** PostHog project key from config; overridden by BUTLER_SOS_TELEMETRY_KEY. */
  apiKey?: string;
  /** Builds the event at each send (feature flags can be re-read). */
  buildPayload: () => TelemetryPayload;
  log: Logger;
  /** Request timeout; default 10 s. */
  timeoutMs?: number;
  intervalMs?: number;
  timers?: Timers;
  env?: Record<string, string | undefined>;
}

export interface RunningTelemetry {
  /** Sends one event now; resolves true on success. Never rejects. */
  sendNow(): Promise<boolean>;
  stop(): void;
}

const idle: RunningTelemetry = { sendNow: async () => false, stop: () => {} };

export function startTelemetry(options: TelemetryOptions): RunningTelemetry {
  const { log } = options;
  if (!options.enabled) {
    log.info('MAIN: Anonymous telemetry reporting is disabled.');
    log.info(
      'MAIN:    Anonymous telemetry tells the developers which features are used and on which platforms,',
    );
    log.info('MAIN:    which helps them decide what to improve, test and keep.');
    log.info('MAIN:    No host names, addresses, Sense data, credentials or config values are ever sent.');
    log.info(`MAIN:    What is sent and how to opt out: ${TELEMETRY_DOCS}`);
    return idle;
  }
  const env = options.env ?? process.env;
  const host = (env.BUTLER_SOS_TELEMETRY_HOST || options.host).replace(/\/+$/, '');
  const apiKey = env.BUTLER_SOS_TELEMETRY_KEY || options.apiKey || '';
  if (apiKey === '') {
    log.info(
      'MAIN: Anonymous telemetry is enabled but no telemetry project key is configured; nothing will be sent.',
    );
    return idle;
  }
  let endpoint: URL;
  try {
    endpoint = new URL('/i/v0/e/', host);
  } catch {
    log.warn('MAIN: Anonymous telemetry host is not a valid URL; telemetry is off.');
    return idle;
  }
  const timers = options.timers ?? systemTimers;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? TELEMETRY_INTERVAL_MS;
  let failing = false;
  let stopped = false;
  let handle: unknown;

  const sendNow = async (): Promise<boolean> => {
    try {
      const payload = options.buildPayload();
      const body = JSON.stringify({
        api_key: apiKey,
        event: payload.event,
        distinct_id: payload.distinctId,
        properties: { ...payload.properties, $geoip_disable: true },
        timestamp: new Date(timers.now()).toISOString(),
      });
      const response = await requestOnce(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        timeoutMs,
      });
      if (response.status < 200 || response.status > 299) throw new Error(`HTTP status ${response.status}`);
      log.debug('TELEMETRY: Sent anonymous telemetry.');
      failing = false;
      return true;
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
      // One line per outage, not per attempt: telemetry must never make noise.
      if (!failing) log.warn(`TELEMETRY: Could not send anonymous telemetry (${reason}); will retry later.`);
      else log.debug(`TELEMETRY: Still could not send anonymous telemetry (${reason}).`);
      failing = true;
      return false;
    }
  };

  const loop = (): void => {
    if (stopped) return;
    handle = timers.setTimeout(() => {
      void sendNow().finally(loop);
    }, intervalMs);
  };

  log.verbose('MAIN: Anonymous telemetry reporting has been set up.');
  log.verbose('MAIN: Thank you for helping improve Butler SOS by sharing anonymous usage data.');
  void sendNow();
  loop();
  return {
    sendNow,
    stop() {
      stopped = true;
      if (handle !== undefined) timers.clearTimeout(handle);
    },
  };
}
