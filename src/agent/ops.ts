/**
 * The operational features around the pipeline (docs/reference/runtime.md#operational-features):
 * host facts and the startup banner, error tracking, uptime monitor, heartbeat, anonymous telemetry
 * and the Docker health endpoint. Each is optional and none can stop the others.
 */

import type { QueueStatus } from '../components/destination.ts';
import type { ButlerSosConfig, ButlerSosSettings } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import { startupBanner } from '../ops/banner.ts';
import { createErrorTracker, type ErrorTracker } from '../ops/error-tracking.ts';
import { startHeartbeat } from '../ops/heartbeat.ts';
import { collectSystemInfo } from '../ops/system-info.ts';
import { instanceIdFor } from '../ops/telemetry/instance-id.ts';
import { buildTelemetryPayload } from '../ops/telemetry/payload.ts';
import { startTelemetry } from '../ops/telemetry/telemetry.ts';
import { startUptimeMonitor } from '../ops/uptime.ts';
import type { AgentRecord } from '../records/record.ts';

export interface OpsOptions {
  settings: ButlerSosSettings;
  config: ButlerSosConfig;
  /** Hands a record (uptime sample, error event) to the router. */
  emit(record: AgentRecord): void;
  /** Every destination queue, for the health check. */
  queues(): QueueStatus[];
  version: string;
  log: Logger;
  isRunning: () => boolean;
}

export interface RunningOps {
  errorTracker: ErrorTracker;
  instanceId: string;
  stop(): Promise<void>;
}

/** Running as a single executable application (node:sea), as the banner reports. */
async function isStandalone(): Promise<boolean> {
  try {
    const sea = await import('node:sea');
    return sea.isSea();
  } catch {
    return false;
  }
}

export async function startOps(options: OpsOptions): Promise<RunningOps> {
  const { settings: s, emit, version, log } = options;
  const stops: (() => Promise<void> | void)[] = [];

  const errorTracker = createErrorTracker({
    enable: s.errorTracking.enable,
    logSummary: s.errorTracking.logSummary.enable,
    // Failed polls are written by the router from the poll record itself; the tracker's
    // own events cover the other error kinds (no double points, no feedback loop).
    onErrorEvent: (record) => {
      if (!['HEALTH_API', 'PROXY_API', 'APP_NAMES_EXTRACT'].includes(record.errorType)) emit(record);
    },
    log,
  });
  stops.push(() => errorTracker.stop());

  const system = await collectSystemInfo({ enable: s.systemInfo.enable });
  const instanceId = instanceIdFor(system, s.appNames.hostIP);
  for (const line of startupBanner({
    logLevel: s.logLevel,
    version,
    instanceId,
    system,
    standalone: await isStandalone(),
    certificates: s.cert,
  })) {
    log.info(line);
  }

  if (s.uptimeMonitor.enable) {
    const uptime = startUptimeMonitor({
      frequency: s.uptimeMonitor.frequency,
      logLevel: s.uptimeMonitor.logLevel,
      log,
      onSample: emit,
    });
    stops.push(() => uptime.stop());
  }

  if (s.heartbeat.enable) {
    const heartbeat = startHeartbeat({
      remoteURL: s.heartbeat.remoteURL,
      frequency: s.heartbeat.frequency,
      log,
    });
    stops.push(() => heartbeat.stop());
  }

  const telemetry = startTelemetry({
    enabled: s.anonTelemetry,
    host: s.telemetry.host,
    apiKey: s.telemetry.projectKey,
    buildPayload: () =>
      buildTelemetryPayload({
        config: s as unknown as Record<string, unknown>,
        system,
        instanceId,
        version,
      }),
    log,
  });
  stops.push(() => telemetry.stop());

  if (s.dockerHealthCheck.enable) {
    // Loaded only when enabled: the HTTP framework costs memory at start.
    const [{ evaluateHealth, startDockerHealthCheck }, { httpSecurityOf }] = await Promise.all([
      import('../ops/docker-health.ts'),
      import('../http-security/security.ts'),
    ]);
    try {
      const health = await startDockerHealthCheck({
        port: s.dockerHealthCheck.port,
        // Its Host allow-list and rate limit follow the shared section like every endpoint's.
        security: await httpSecurityOf(s.httpSecurity),
        check: () =>
          evaluateHealth({
            running: options.isRunning(),
            configLoaded: true,
            sinks: options.queues().map(({ name, stats }) => ({
              name,
              failing: stats.lastError !== undefined && stats.inFlight > 0,
            })),
          }),
        log,
      });
      log.info(`DOCKER HEALTH: listening on port ${health.port}`);
      stops.push(() => health.close());
    } catch (error) {
      // Upstream exits when the health endpoint cannot start: an orchestrator relies on it.
      throw new Error(
        `Docker health check could not listen on port ${s.dockerHealthCheck.port}: ${(error as Error).message}`,
      );
    }
  }

  return {
    errorTracker,
    instanceId,
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
