/**
 * The HTTP listener that serves the Prometheus registry at GET /metrics
 * (docs/reference/prometheus.md#endpoints).
 *
 * Upstream runs two listeners (prometheus.host:port and, for Node.js metrics, 9001) that
 * serve the same registry; call this once per listener with the same sink. `extraRoutes`
 * lets the web layer add health/status routes to the same server.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../../logging/logger.ts';
import type { PrometheusSink } from './prometheus-sink.ts';

export interface MetricsServerOptions {
  /** Bind address (`prometheus.host`). */
  host: string;
  /** `prometheus.port`; 0 lets the OS choose. */
  port: number;
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
  // Upstream disables the keep-alive timeout (docs/reference/prometheus.md#endpoints) so a scraper
  // can keep its connection.
  const app = Fastify({ logger: false, keepAliveTimeout: 0, forceCloseConnections: true });

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

  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => {});
    throw new Error(`PROMETHEUS: cannot listen on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const bound = app.server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const address = `http://${shownHost}:${boundPort}`;
  log.info(`PROMETHEUS: serving metrics at ${address}/metrics`);
  return {
    address,
    port: boundPort,
    close: async () => {
      await app.close();
    },
  };
}
