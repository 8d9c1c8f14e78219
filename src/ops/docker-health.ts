/**
 * Docker health check endpoint (docs/reference/runtime.md#docker-health-endpoint): `GET /health` answers
 * `200 {"statusCode":200,"status":"ok"}` while the agent is healthy. Unlike upstream (pure
 * liveness), an unhealthy agent gets `503` with the reasons, so `docker ps` tells the truth.
 */
import { DEFAULT_HTTP_SECURITY, type HttpSecurity } from '../http-security/security.ts';
import { createSecureServer } from '../http-security/server.ts';
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
  /**
   * Host allow-list and rate limit always; TLS and basic auth only when bound beyond loopback
   * (the container's probe calls it over plain HTTP on localhost). Default: none configured.
   */
  security?: HttpSecurity;
}

export interface DockerHealthCheckServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the endpoint; rejects when the port cannot be bound (the caller exits 1). */
export async function startDockerHealthCheck(
  options: DockerHealthCheckOptions,
): Promise<DockerHealthCheckServer> {
  const host = options.host ?? 'localhost';
  const server = createSecureServer({
    label: 'DOCKER HEALTH',
    hostKey: 'dockerHealthCheck host',
    portKey: 'dockerHealthCheck.port',
    host,
    port: options.port,
    security: options.security ?? DEFAULT_HTTP_SECURITY,
    protectLoopback: false,
    log: options.log,
  });
  server.app.get('/health', async (_request, reply) => {
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
  let port: number;
  try {
    port = (await server.listen()).port;
  } catch (error) {
    throw new Error(`MAIN: Error while starting Docker health check server: ${(error as Error).message}`);
  }
  options.log.info(`MAIN: Started Docker healthcheck server on port ${port}.`);
  return { port, close: () => server.close() };
}
