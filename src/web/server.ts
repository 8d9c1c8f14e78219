/**
 * The agent's web UI: live overview per Sense server, log and user event streams, delivery
 * status and the config view (docs/reference/runtime.md#config-view), served by one Fastify instance.
 *
 * Localhost-bound by default and without authentication, like upstream's config view. Pages
 * read JSON endpoints under /api; static assets come from web/ and uPlot straight from
 * node_modules, so the UI works with no internet access. Every JSON answer and the config
 * view pass through a defensive secret masker (mask-secrets.ts).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { StoreQueryError } from '../destinations/local-store/queries.ts';
import type { Logger } from '../logging/logger.ts';
import { registerApiRoutes, type WebStore } from './api-routes.ts';
import { configPathOf, registerPageRoutes } from './page-routes.ts';
import { BadRequest } from './query-params.ts';
import type { WebStatus } from './status.ts';

export type { WebStore } from './api-routes.ts';

export interface WebServerOptions {
  /** Bind address (default 127.0.0.1: the UI has no authentication). */
  host?: string;
  /** `webUi.port` or `configVisualisation.port`; 0 lets the OS choose. */
  port: number;
  /** The local store; without it only the delivery status and config view are served. */
  store?: WebStore;
  getStatus?: () => WebStatus;
  /** The loaded config, already masked; absent: no config view. */
  getConfigView?: () => unknown;
  log: Logger;
  /** Requests per minute per client IP before HTTP 429 (default 300, as upstream's config view). */
  rateLimitPerMinute?: number;
  version?: string;
  /** Shown as "Report an issue" on the 404 page. */
  issueUrl?: string;
  /** Where web/ and uPlot's dist/ folder are (default: found from this module's location). */
  assets?: { webRoot: string; uplotDir: string };
}

export interface WebServer {
  /** e.g. http://127.0.0.1:3100 */
  address: string;
  port: number;
  close(): Promise<void>;
}

type Assets = NonNullable<WebServerOptions['assets']>;

/** web/ next to src/ in a checkout; bundles (single executable) pass `assets` instead. */
function findAssets(options: WebServerOptions): Assets {
  try {
    return (
      options.assets ?? {
        webRoot: fileURLToPath(new URL('../../web/', import.meta.url)),
        uplotDir: dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js')),
      }
    );
  } catch (error) {
    throw new Error(`WEB UI: cannot find the web assets: ${(error as Error).message}`, { cause: error });
  }
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { store, log } = options;
  const { port } = options;
  const host = options.host ?? '127.0.0.1';
  const getStatus = () => (options.getStatus?.() ?? {}) as WebStatus;
  const assets = findAssets(options);

  const app = Fastify({ logger: false, forceCloseConnections: true });
  await registerPlugins(app, assets, options.rateLimitPerMinute ?? 300, log);
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof BadRequest || error instanceof StoreQueryError) {
      return reply.code(400).send({ error: error.message });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.message });
    }
    log.error(`WEB UI: ${request.method} ${request.url.split('?')[0]} failed: ${error.message}`);
    return reply.code(500).send({ error: 'Internal server error' });
  });
  registerPageRoutes(app, {
    withStore: store !== undefined,
    getConfigView: options.getConfigView,
    version: options.version,
    issueUrl: options.issueUrl,
    log,
  });
  app.get('/health', async () => ({ statusCode: 200, status: 'ok' }));
  registerApiRoutes(app, store, getStatus);

  const address = await listen(app, host, port);
  log.info(`WEB UI: listening on ${address.url}`);
  if (options.getConfigView) {
    log.info(
      `CONFIG VIS: Config visualisation server listening on ${address.url}${configPathOf(store !== undefined)}`,
    );
  }
  return { address: address.url, port: address.port, close: () => app.close() };
}

/** Rate limit, security headers, and the static files (web/ and uPlot's two files). */
async function registerPlugins(
  app: FastifyInstance,
  assets: Assets,
  perMinute: number,
  log: Logger,
): Promise<void> {
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    onExceeded: (request: FastifyRequest) => {
      log.warn(
        `CONFIG VIS: Rate limit exceeded for source IP address ${request.ip}. Method=${request.method}, endpoint=${request.url}`,
      );
    },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
  await app.register(fastifyStatic, { root: assets.webRoot, prefix: '/static/', index: false });
  await app.register(fastifyStatic, {
    root: assets.uplotDir,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
  });
}

/** Listens; a failure closes the app and names the address. */
async function listen(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<{ url: string; port: number }> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => {});
    throw new Error(`WEB UI: cannot listen on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const addr = app.server.address();
  const boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`, port: boundPort };
}
