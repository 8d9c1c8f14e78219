/**
 * Docker health check endpoint (docs/reference/runtime.md#docker-health-endpoint): `GET /health` answers
 * `200 {"statusCode":200,"status":"ok"}` while the agent is healthy. Unlike upstream (pure
 * liveness), an unhealthy agent gets `503` with the reasons, so `docker ps` tells the truth.
 */
import Fastify from 'fastify';
import type { Logger } from '../logging/logger.ts';

export interface HealthVerdict {
  healthy: boolean;
  reasons: string[];
}

export interface HealthState {
  /** False once shutdown has begun. */
  running: boolean;
  /** True once the config file has been loaded and validated. */
  configLoaded: boolean;
  /** Every enabled destination and whether its deliveries are currently failing. */
  sinks: { name: string; failing: boolean }[];
}

/**
 * The agent is healthy when it is running, its config is loaded, and at least one enabled
 * destination is delivering (or none is enabled). One failing destination among several
 * is reported elsewhere (status page, error tracking); only "all failing" makes the
 * container unhealthy, because then nothing the agent collects reaches anyone.
 */
export function evaluateHealth(state: HealthState): HealthVerdict {
  const reasons: string[] = [];
  if (!state.running) reasons.push('shutting down');
  if (!state.configLoaded) reasons.push('config not loaded');
  if (state.sinks.length > 0 && state.sinks.every((s) => s.failing)) {
    reasons.push(`all destinations failing: ${state.sinks.map((s) => s.name).join(', ')}`);
  }
  return { healthy: reasons.length === 0, reasons };
}

export interface DockerHealthCheckOptions {
  /** Bind address; default `localhost` as upstream (probed from inside the container). */
  host?: string;
  /** `dockerHealthCheck.port` (template 12398); 0 picks a free port. */
  port: number;
  check: () => HealthVerdict;
  log: Logger;
}

export interface DockerHealthCheckServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the endpoint; rejects when the port cannot be bound (the caller exits 1). */
export async function startDockerHealthCheck(
  options: DockerHealthCheckOptions,
): Promise<DockerHealthCheckServer> {
  const app = Fastify({ logger: false });
  app.get('/health', async (_request, reply) => {
    let verdict: HealthVerdict;
    try {
      verdict = options.check();
    } catch (error) {
      verdict = {
        healthy: false,
        reasons: [`health check failed: ${error instanceof Error ? error.message : String(error)}`],
      };
    }
    if (verdict.healthy) return reply.code(200).send({ statusCode: 200, status: 'ok' });
    return reply.code(503).send({ statusCode: 503, status: 'ko', reasons: verdict.reasons });
  });
  try {
    await app.listen({ host: options.host ?? 'localhost', port: options.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `MAIN: Error while starting Docker health check server on port ${options.port}: ${reason}`,
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.log.info(`MAIN: Started Docker healthcheck server on port ${port}.`);
  return { port, close: () => app.close() };
}
