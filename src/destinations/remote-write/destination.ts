/**
 * Prometheus remote write as a destination: every metric the scrape endpoint has, pushed to
 * one or more receivers (Prometheus, Mimir, Cortex, Thanos Receive, VictoriaMetrics, Grafana
 * Cloud), each endpoint behind its own delivery queue and disk spool.
 *
 * - Poll records (engine health, proxy sessions) are mapped by the same mapping as the
 *   scrape endpoint and pushed when they arrive, timed by the poll; a failed poll ends its
 *   server's series with staleness markers.
 * - Every `intervalMs`, on the interval grid, the agent's own metrics (delivery, UDP intake,
 *   failed polls), the Node.js process metrics and the log and user event counters are
 *   pushed, timed by the grid slot.
 * - Each series gets `job`, `instance` and the endpoint's external labels (unless the series
 *   has them), and with `ha.enable` the pair's cluster and replica labels.
 */
import { hostname } from 'node:os';
import { lifecycle } from '../../components/component.ts';
import type { Destination, DestinationContext, DestinationQueue } from '../../components/destination.ts';
import { type GridTimer, startGridTimer } from '../../ha/grid.ts';
import type { Logger } from '../../logging/logger.ts';
import { engineHealthPromScope, engineHealthToPrometheus } from '../../mapping/engine-health.ts';
import { EventMetricCounters } from '../../mapping/event-metrics.ts';
import { proxySessionsPromScope, proxySessionsToPrometheus } from '../../mapping/proxy-sessions.ts';
import type { PromSample } from '../../mapping/shapes.ts';
import { forKind, type PerKind, type RecordKind } from '../../records/record.ts';
import { createRedactor } from '../../secrets/redactor.ts';
import type { RemoteWriteEndpointConfig } from './config.ts';
import { PollSeries, sampleProblem, toRwSample } from './poll-series.ts';
import { createProcessMetrics, type ProcessMetrics } from './process-metrics.ts';
import type { LabelPolicy, RwSample } from './series.ts';
import { createRemoteWriteSink, type RemoteWriteSink } from './sink.ts';

interface Endpoint {
  sink: RemoteWriteSink;
  queue: DestinationQueue<RwSample>;
}

export function createRemoteWriteDestination(context: DestinationContext): Destination {
  const { settings: s, log } = context;
  const rw = s.remoteWrite;
  const endpoints = rw.endpoints.map((endpoint) => endpointQueue(context, endpoint));
  const counters = rw.eventCounters.enable ? new EventMetricCounters(rw.eventCounters.maxSeries) : undefined;
  const checked = validSamples(log);
  const push = (samples: RwSample[]) => {
    if (samples.length === 0) return;
    for (const { queue } of endpoints) queue.enqueueMany(samples);
  };
  const deliveries = remoteWriteDeliveries(push, checked, counters);
  let processMetrics: ProcessMetrics | undefined;
  let timer: GridTimer | undefined;
  const pushAgentMetrics = async (timeMs: number) => {
    try {
      processMetrics ??= createProcessMetrics();
      const samples = [
        ...context.agent.metrics(),
        ...(await processMetrics.samples()),
        ...(counters?.samples() ?? []),
      ];
      push(checked(samples).map((sample) => toRwSample(sample, timeMs)));
    } catch (error) {
      log.error(`REMOTE WRITE: collecting the agent's metrics failed: ${(error as Error).message}`);
    }
  };
  const life = lifecycle(`Remote write to ${endpoints.length} endpoint(s)`, {
    start() {
      for (const { sink } of endpoints) sink.start();
      timer = startGridTimer(rw.intervalMs, (slot) => void pushAgentMetrics(slot));
      log.info(`REMOTE WRITE: pushing to ${endpoints.map(({ queue }) => queue.status().name).join(', ')}`);
    },
    async stop(deadlineMs) {
      timer?.stop();
      // The counters' last values, so that the events since the last push are not missing.
      await pushAgentMetrics(Date.now());
      try {
        await Promise.all(endpoints.map(({ queue }) => queue.close(deadlineMs)));
      } finally {
        for (const { sink } of endpoints) sink.close();
      }
    },
  });
  return {
    ...life,
    accepts: new Set(Object.keys(deliveries) as RecordKind[]),
    deliver: (record) => forKind(deliveries, record),
    queues: () => endpoints.map(({ queue }) => queue.status()),
  };
}

function remoteWriteDeliveries(
  push: (samples: RwSample[]) => void,
  checked: (samples: readonly PromSample[]) => PromSample[],
  counters: EventMetricCounters | undefined,
): PerKind<void> {
  const polls = new PollSeries();
  const deliveries: PerKind<void> = {
    'engine-health': (r) => {
      const { scope, samples } = engineHealthToPrometheus(r);
      push(polls.publish(scope, checked(samples), r.timeMs));
    },
    'proxy-sessions': (r) => {
      const { scope, samples } = proxySessionsToPrometheus(r);
      push(polls.publish(scope, checked(samples), r.timeMs));
    },
    'failed-poll': (r) => {
      if (r.pollKind === 'health') push(polls.end(engineHealthPromScope(r.serverName), r.timeMs));
      if (r.pollKind === 'proxy-sessions' && r.virtualProxy !== undefined) {
        push(polls.end(proxySessionsPromScope(r.serverName, r.virtualProxy), r.timeMs));
      }
    },
  };
  if (counters) {
    deliveries['log-event'] = (r) => counters.countLog(r);
    deliveries['user-event'] = (r) => counters.countUser(r);
  }
  return deliveries;
}

/** One sink and queue for an endpoint, with its labels. */
function endpointQueue(context: DestinationContext, endpoint: RemoteWriteEndpointConfig): Endpoint {
  const { settings: s } = context;
  const labels: LabelPolicy = {
    defaults: {
      job: s.remoteWrite.job,
      instance: s.remoteWrite.instance || (s.ha.enable ? s.ha.cluster : hostname()),
      ...Object.fromEntries(endpoint.externalLabels.map(({ name, value }) => [name, value])),
    },
    forced: s.ha.enable ? { [s.ha.clusterLabel]: s.ha.cluster, [s.ha.replicaLabel]: s.ha.replica } : {},
  };
  const redact = createRedactor(
    [endpoint.basicAuth.password, endpoint.bearerToken, ...endpoint.headers.map((h) => h.value)].filter(
      Boolean,
    ),
  );
  const sink = createRemoteWriteSink({ endpoint, labels, version: context.version, redact });
  const name = `Remote write to ${endpoint.name || shownUrl(endpoint.url)}`;
  return { sink, queue: context.createQueue(name, sink, s.remoteWrite.maxBatchSize) };
}

/** The URL without credentials or query (it names the queue, its spool folder and log lines). */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Drops the samples the scrape endpoint would refuse too, each kind of problem logged once. */
function validSamples(log: Logger): (samples: readonly PromSample[]) => PromSample[] {
  const warned = new Set<string>();
  return (samples) =>
    samples.filter((sample) => {
      const problem = sampleProblem(sample);
      if (problem === undefined) return true;
      const key = `${sample.name}:${problem}`;
      if (!warned.has(key)) {
        warned.add(key);
        log.warn('REMOTE WRITE: sample not sent', { metric: sample.name, problem });
      }
      return false;
    });
}
