/**
 * The container's HEALTHCHECK probe: GET http://<host>:<port>/health on the agent's Docker
 * health check endpoint (docs/reference/runtime.md#docker-health-endpoint). Exit 0 on HTTP 200, 1
 * otherwise, with one line on stdout as upstream's probe prints (`STATUS Docker health: ...` /
 * `ERROR Docker health: ...`).
 *
 * Unlike upstream's probe (port hard-coded to 12398) the port follows BUTLER_SOS_HEALTH_PORT,
 * so a config with another `dockerHealthCheck.port` only needs the same value in the
 * container's environment. No dependencies: it runs every few seconds and must start fast.
 */
import { request } from 'node:http';

export interface ProbeOptions {
  /** Default `localhost`, where the endpoint listens. */
  host?: string;
  /** Default 12398 (the template's `dockerHealthCheck.port`). */
  port?: number;
  /** Give up after this long; default 2000 ms as upstream. */
  timeoutMs?: number;
}

export interface ProbeResult {
  healthy: boolean;
  /** The line to print. */
  line: string;
}

const DEFAULT_PORT = 12398;

/** Reads host and port from the environment; bad values fall back to the defaults with a note. */
export function probeOptionsFromEnv(env: NodeJS.ProcessEnv): ProbeOptions & { note?: string } {
  const host = env.BUTLER_SOS_HEALTH_HOST || 'localhost';
  const raw = env.BUTLER_SOS_HEALTH_PORT;
  if (raw === undefined || raw === '') return { host, port: DEFAULT_PORT };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return {
      host,
      port: DEFAULT_PORT,
      note: `BUTLER_SOS_HEALTH_PORT=${JSON.stringify(raw)} is not a port number; using ${DEFAULT_PORT}`,
    };
  }
  return { host, port };
}

export function probeHealth(options: ProbeOptions = {}): Promise<ProbeResult> {
  const host = options.host ?? 'localhost';
  const port = options.port ?? DEFAULT_PORT;
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/health', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        // The answer is a small JSON object; never hold more than a few KB of anything else.
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = body.trim().slice(0, 500);
        resolve(
          status === 200
            ? { healthy: true, line: `STATUS Docker health: ${status} ${text}` }
            : { healthy: false, line: `ERROR Docker health: HTTP ${status} ${text}` },
        );
      });
      res.on('error', (error) => resolve({ healthy: false, line: `ERROR Docker health: ${error.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      resolve({
        healthy: false,
        line: `ERROR Docker health: http://${host}:${port}/health: ${error.message}`,
      }),
    );
    req.end();
  });
}

if (import.meta.main) {
  const options = probeOptionsFromEnv(process.env);
  if (options.note) process.stdout.write(`${options.note}\n`);
  const result = await probeHealth(options);
  process.stdout.write(`${result.line}\n`);
  process.exitCode = result.healthy ? 0 : 1;
}
