/**
 * Prometheus as a destination. It is pulled, not pushed, so it needs no queue: each poll
 * record replaces its server's samples in the registry, a failed poll removes them (instead
 * of exporting the last values forever, as upstream did), and a scrape reads the registry,
 * the agent's own metrics and its status. Upstream's second endpoint, Node.js process
 * metrics only, runs beside it when its port differs. Both use the agent's HTTP security
 * (TLS and basic auth from httpSecurity.webConfigFile, Host allow-list, rate limit).
 */
import { lifecycle } from '../../components/component.ts';
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { type HttpSecurity, httpSecurityOf } from '../../http-security/security.ts';
import { engineHealthPromScope, engineHealthToPrometheus } from '../../mapping/engine-health.ts';
import { proxySessionsPromScope, proxySessionsToPrometheus } from '../../mapping/proxy-sessions.ts';
import { forKind, type PerKind, type RecordKind } from '../../records/record.ts';
import { type MetricsServer, startMetricsServer } from './metrics-server.ts';
import { createPrometheusSink, type PrometheusSink } from './prometheus-sink.ts';

export function createPrometheusDestination(context: DestinationContext): Destination {
  const { settings: s, log } = context;
  const sink = createPrometheusSink({
    log,
    // Safety net behind the removal on failed polls: a series not refreshed for three
    // polling intervals is gone (a server removed from a reloaded config, say).
    scopeExpiryMs: 3 * Math.max(s.serversToMonitor.pollingInterval, s.userSessions.pollingInterval),
  });
  const servers: MetricsServer[] = [];
  const deliveries = prometheusDeliveries(sink);
  const life = lifecycle(`Prometheus on ${s.prometheus.host}:${s.prometheus.port}`, {
    async start() {
      sink.registerCollector(() => context.agent.metrics());
      const security = await httpSecurityOf(s.httpSecurity);
      const server = await startMetricsServer({
        host: s.prometheus.host,
        port: s.prometheus.port,
        security,
        sink,
        log,
        extraRoutes: (app) => {
          app.get('/status', async () => context.agent.status());
        },
      });
      servers.push(server);
      log.info(`PROM: Prometheus Butler SOS metrics server now listening on ${server.address}`);
      await startNodeMetrics(context, security, servers);
    },
    async stop() {
      await Promise.allSettled(servers.map((server) => server.close()));
    },
  });
  return {
    ...life,
    accepts: new Set(Object.keys(deliveries) as RecordKind[]),
    deliver: (record) => forKind(deliveries, record),
    queues: () => [],
  };
}

function prometheusDeliveries(sink: PrometheusSink): PerKind<void> {
  return {
    'engine-health': (r) => {
      const { scope, samples } = engineHealthToPrometheus(r);
      sink.publish(scope, samples);
    },
    'proxy-sessions': (r) => {
      const { scope, samples } = proxySessionsToPrometheus(r);
      sink.publish(scope, samples);
    },
    'failed-poll': (r) => {
      if (r.pollKind === 'health') sink.removeScope(engineHealthPromScope(r.serverName));
      if (r.pollKind === 'proxy-sessions' && r.virtualProxy !== undefined) {
        sink.removeScope(proxySessionsPromScope(r.serverName, r.virtualProxy));
      }
    },
  };
}

/** The Node.js metrics endpoint's address: `nodeMetricsHost`, or `prometheus.host` when that is unset. */
export function nodeMetricsHostOf(prometheus: { host: string; nodeMetricsHost: string }): string {
  return prometheus.nodeMetricsHost.trim() === '' ? prometheus.host : prometheus.nodeMetricsHost;
}

/**
 * Upstream's second endpoint: Node.js process metrics only, on nodeMetricsHost:nodeMetricsPort.
 * Kept for dashboards that scrape it. Unlike upstream it binds where /metrics binds unless
 * nodeMetricsHost says otherwise (upstream: 0.0.0.0), and, as every listener, a port it cannot
 * open fails the start.
 */
async function startNodeMetrics(
  { settings: s, log }: DestinationContext,
  security: HttpSecurity,
  servers: MetricsServer[],
) {
  const { nodeMetricsPort: port } = s.prometheus;
  if (port === s.prometheus.port) return;
  const host = nodeMetricsHostOf(s.prometheus);
  const server = await startMetricsServer({
    host,
    port,
    keys: {
      host: s.prometheus.nodeMetricsHost.trim() === '' ? 'prometheus.host' : 'prometheus.nodeMetricsHost',
      port: 'prometheus.nodeMetricsPort',
    },
    security,
    sink: createPrometheusSink({ log, collectDefaultMetrics: true }),
    log,
  });
  log.info(`PROM: Prometheus Node.js metrics server now listening on ${server.address}`);
  servers.push(server);
}
