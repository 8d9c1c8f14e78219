/**
 * The Sense polls as a source: one HTTPS client with the Sense client certificates, one
 * scheduler, and a job per (poller, server). Emits `engine-health`, `proxy-sessions`,
 * `app-names` and `failed-poll` records, and fills the shared app-name table.
 */
import { lifecycle } from '../../components/component.ts';
import type { MetricSample } from '../../components/metrics.ts';
import type { PolledServerStatus, Source, SourceContext } from '../../components/source.ts';
import { gridTimedPolls } from '../../ha/poll-time.ts';
import { type SensePolling, startSensePolling } from './polling.ts';

export function createSensePollsSource(context: SourceContext): Source {
  const { settings: s, log } = context;
  let polling: SensePolling | undefined;
  const life = lifecycle('Sense polls', {
    start() {
      polling = startSensePolling({
        servers: s.serversToMonitor.servers,
        cert: s.cert,
        pollingIntervalMs: s.serversToMonitor.pollingInterval,
        rejectUnauthorized: s.serversToMonitor.rejectUnauthorized,
        userSessions: s.userSessions,
        appNames: s.appNames,
        table: context.appNames,
        // An HA pair polls on the interval grid and times each poll by its slot.
        alignToGrid: s.ha.enable,
        onRecord: s.ha.enable
          ? gridTimedPolls(context.emit, {
              healthMs: s.serversToMonitor.pollingInterval,
              sessionsMs: s.userSessions.pollingInterval,
            })
          : context.emit,
        log,
      });
    },
    stop: () => polling?.stop(),
  });
  return {
    ...life,
    metrics: () => failedPollSamples(polling),
    servers: () => serverStates(context, polling),
  };
}

function failedPollSamples(polling: SensePolling | undefined): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const [server, reasons] of Object.entries(polling?.stats().failures.byServer ?? {})) {
    for (const [reason, count] of Object.entries(reasons)) {
      samples.push({
        name: 'butler_sos_failed_polls_total',
        help: 'Failed Sense polls per server and reason.',
        labels: { server_name: server, reason },
        value: count ?? 0,
        type: 'counter',
      });
    }
  }
  return samples;
}

function serverStates(context: SourceContext, polling: SensePolling | undefined): PolledServerStatus[] {
  const failing = new Map(
    (polling?.stats().failures.failing ?? []).map((target) => [target.serverName, target]),
  );
  return context.settings.serversToMonitor.servers.map((server) => {
    const failure = failing.get(server.serverName);
    return {
      serverName: server.serverName,
      host: server.host,
      state: failure ? 'failing' : 'up',
      lastError: failure ? `${failure.kind}: ${failure.reason}: ${failure.message}` : null,
    };
  });
}
