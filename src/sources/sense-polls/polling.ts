/**
 * Wires the Sense pollers: one HTTPS client, one scheduler, one failure tracker, one
 * app-name table. The Sense polls source calls `startSensePolling` with values from the config
 * and receives every record through `onRecord`.
 */
import type { Logger } from '../../logging/logger.ts';
import type { AppNameLookup, AppNamesRecord } from '../../records/app-names.ts';
import type { EngineHealthRecord } from '../../records/engine-health.ts';
import type { FailedPollRecord } from '../../records/failed-poll.ts';
import type { ProxySessionsRecord } from '../../records/proxy-sessions.ts';
import { type SenseServerConfig, serverIdentity } from '../../records/server.ts';
import type { CertificateFiles } from '../../sense/certificates.ts';
import type { SenseClientStats } from '../../sense/client.ts';
import { createPollFailureTracker, type PollFailureStats } from '../../sense/failure-tracker.ts';
import { createLazySenseClient } from '../../sense/lazy-client.ts';
import { createAppNamesPoller } from '../app-names/poller.ts';
import { AppNameTable } from '../app-names/table.ts';
import { createEngineHealthPoller } from '../engine-health/poller.ts';
import type { ExcludedUser } from '../proxy-sessions/parse.ts';
import { createProxySessionsPoller } from '../proxy-sessions/poller.ts';
import type { AppNamesConfig } from './config.ts';
import { createScheduler, type JobStats } from './scheduler.ts';

export type SensePollRecord = EngineHealthRecord | ProxySessionsRecord | AppNamesRecord | FailedPollRecord;

export interface SensePollingOptions {
  /** `serversToMonitor.servers` (null = none, warned once). */
  servers: readonly SenseServerConfig[] | null | undefined;
  /** `cert.*` */
  cert: CertificateFiles;
  /** `serversToMonitor.pollingInterval` (ms) */
  pollingIntervalMs: number;
  /** `serversToMonitor.rejectUnauthorized` */
  rejectUnauthorized: boolean;
  /** `userSessions.*` */
  userSessions: {
    enableSessionExtract: boolean;
    pollingInterval: number;
    excludeUser?: readonly ExcludedUser[] | null;
  };
  /** `appNames.*` (`hostIP` may carry `:port`; default 4242). */
  appNames: AppNamesConfig;
  onRecord(record: SensePollRecord): void;
  /** The table the QRS poll fills (shared with the event sources); a new one when absent. */
  table?: AppNameTable;
  log: Logger;
  /** Poll once right at start (default true; upstream waits one interval). */
  runAtStart?: boolean;
  /** Poll on the interval grid (HA pair; default false), see scheduler.ts. */
  alignToGrid?: boolean;
  /** Health and proxy-session request timeout; upstream 5000 ms. */
  requestTimeoutMs?: number;
  /** QRS request timeout; upstream has none. Default 60000 ms. */
  qrsTimeoutMs?: number;
  /** How often certificate files are checked for changes. Default 10000 ms. */
  certCheckIntervalMs?: number;
}

export interface SensePollingStats {
  jobs: Record<string, JobStats>;
  failures: PollFailureStats;
  client: SenseClientStats;
  appNames: { size: number; loadedAtMs: number };
  /** Records whose `onRecord` handler threw (logged). */
  handlerErrors: number;
}

export interface SensePolling {
  stop(): Promise<void>;
  stats(): SensePollingStats;
  /** The live app-name table, for user events and engine performance events. */
  appNames: AppNameLookup;
}

export function startSensePolling(options: SensePollingOptions): SensePolling {
  const { log } = options;
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const client = createLazySenseClient({
    cert: options.cert,
    ...(options.certCheckIntervalMs !== undefined
      ? { certCheckIntervalMs: options.certCheckIntervalMs }
      : {}),
  });
  const tracker = createPollFailureTracker(log);
  const table = options.table ?? new AppNameTable();
  const scheduler = createScheduler({
    log,
    runAtStart: options.runAtStart ?? true,
    alignToGrid: options.alignToGrid ?? false,
  });
  let handlerErrors = 0;

  // A failing consumer must never stop polling.
  const emit = (record: SensePollRecord): void => {
    try {
      options.onRecord(record);
    } catch (error) {
      handlerErrors++;
      log.error(
        `SENSE POLLING: handling a ${record.kind} record failed: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  };

  if (!options.servers) log.warn('SENSE POLLING: serversToMonitor.servers is empty; no server is polled');
  const servers = options.servers ?? [];
  const shared: ServerJobParts = { options, client, table, tracker, timeoutMs, emit };
  warnDuplicateNames(servers, log);
  for (const [index, server] of servers.entries()) addServerJobs(scheduler, server, index, shared);

  if (options.appNames.enableAppNameExtract) {
    scheduler.add({
      key: 'app-names',
      intervalMs: options.appNames.extractInterval,
      run: createAppNamesPoller({
        hostIP: options.appNames.hostIP,
        client,
        table,
        timeoutMs: options.qrsTimeoutMs ?? 60_000,
        tracker,
        onRecord: emit,
        log,
      }),
    });
  }

  scheduler.start();
  log.info(
    `SENSE POLLING: started for ${servers.length} server(s): health every ${options.pollingIntervalMs} ms` +
      (options.userSessions.enableSessionExtract
        ? `, proxy sessions every ${options.userSessions.pollingInterval} ms`
        : '') +
      (options.appNames.enableAppNameExtract
        ? `, app names every ${options.appNames.extractInterval} ms`
        : ''),
  );

  return {
    appNames: table,
    async stop() {
      // Polls in flight get a moment to finish; then the client cuts what is left, so a
      // hung server never holds up shutdown for a whole request timeout.
      await scheduler.stop(1000);
      await client.close();
    },
    stats: () => ({
      jobs: scheduler.stats(),
      failures: tracker.stats(),
      client: client.stats(),
      appNames: { size: table.size, loadedAtMs: table.loadedAtMs },
      handlerErrors,
    }),
  };
}

/** What every server's jobs share. */
interface ServerJobParts {
  options: SensePollingOptions;
  client: ReturnType<typeof createLazySenseClient>;
  table: AppNameTable;
  tracker: ReturnType<typeof createPollFailureTracker>;
  timeoutMs: number;
  emit(record: SensePollRecord): void;
}

function warnDuplicateNames(servers: readonly SenseServerConfig[], log: Logger): void {
  const seen = new Set<string>();
  for (const { serverName } of servers) {
    if (seen.has(serverName)) {
      log.warn(
        `SENSE POLLING: serverName ${serverName} is used by more than one server; stats will mix them`,
      );
    }
    seen.add(serverName);
  }
}

/** The health job of one server, and its proxy-session job when session extraction is on for it. */
function addServerJobs(
  scheduler: ReturnType<typeof createScheduler>,
  server: SenseServerConfig,
  index: number,
  parts: ServerJobParts,
): void {
  const { options, client, table, tracker, timeoutMs, emit } = parts;
  const identity = serverIdentity(server);
  scheduler.add({
    key: `health:${index}:${server.serverName}`,
    intervalMs: options.pollingIntervalMs,
    run: createEngineHealthPoller({
      server,
      identity,
      client,
      appNames: table,
      rejectUnauthorized: options.rejectUnauthorized,
      timeoutMs,
      tracker,
      onRecord: emit,
      log: options.log,
    }),
  });
  const vps = server.userSessions?.virtualProxies ?? [];
  if (!options.userSessions.enableSessionExtract || !server.userSessions?.enable || vps.length === 0) return;
  scheduler.add({
    key: `proxy-sessions:${index}:${server.serverName}`,
    intervalMs: options.userSessions.pollingInterval,
    run: createProxySessionsPoller({
      server,
      identity,
      client,
      rejectUnauthorized: options.rejectUnauthorized,
      timeoutMs,
      excludeUser: options.userSessions.excludeUser,
      tracker,
      onRecord: emit,
    }),
  });
}
