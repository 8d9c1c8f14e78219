/**
 * The HTTP listener that serves the Prometheus registry at GET /metrics
 * (docs/reference/prometheus.md#endpoints), built on the agent's shared HTTP security
 * (src/http-security: TLS and basic auth from the web config file, Host allow-list, rate limit).
 *
 * Upstream runs two listeners (prometheus.host:port and, for Node.js metrics, 9001) that
 * serve the same registry; call this once per listener with the same sink. `extraRoutes`
 * lets the web layer add health/status routes to the same server.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_HTTP_SECURITY, type HttpSecurity } from '../../http-security/security.ts';
import { createSecureServer } from '../../http-security/server.ts';
import type { Logger } from '../../logging/logger.ts';
import type { PrometheusSink } from './prometheus-sink.ts';

export interface MetricsServerOptions {
  /** Bind address (`prometheus.host`). */
  host: string;
  /** `prometheus.port`; 0 lets the OS choose. */
  port: number;
  /** Config keys of host and port, for messages (default `prometheus.host`, `prometheus.port`). */
  keys?: { host: string; port: string };
  /** Default: no TLS, no auth (a warning when bound beyond loopback). */
  security?: HttpSecurity;
  sink: PrometheusSink;
  log: Logger;
  /** Registers more routes before the server starts listening. */
  extraRoutes?: (app: FastifyInstance) => void | Promise<void>;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9842 */
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port, sink, log } = options;
  const keys = options.keys ?? { host: 'prometheus.host', port: 'prometheus.port' };
  const server = createSecureServer({
    label: 'PROMETHEUS',
    hostKey: keys.host,
    portKey: keys.port,
    host,
    port,
    security: options.security ?? DEFAULT_HTTP_SECURITY,
    // Upstream serves /metrics anywhere without auth; existing configs keep starting, with a warning.
    openBeyondLoopback: 'warn',
    log,
    // Upstream disables the keep-alive timeout (docs/reference/prometheus.md#endpoints) so a scraper
    // can keep its connection.
    keepAliveTimeout: 0,
  });
  const { app } = server;

  app.get('/metrics', async (_request, reply) => {
    try {
      const text = await sink.metrics();
      return reply.code(200).header('Content-Type', sink.contentType).send(text);
    } catch (error) {
      log.error('PROMETHEUS: failed to produce the metrics text', { error: (error as Error).message });
      return reply
        .code(500)
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send('Internal Server Error\n');
    }
  });

  if (options.extraRoutes) await options.extraRoutes(app);

  const { url: address, port: boundPort } = await server.listen();
  log.info(`PROMETHEUS: serving metrics at ${address}/metrics`);
  return { address, port: boundPort, close: () => server.close() };
}
