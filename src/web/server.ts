/**
 * The agent's web UI: live overview per Sense server, log and user event streams, delivery
 * status and the config view (docs/reference/runtime.md#config-view), served by one Fastify instance.
 *
 * Localhost-bound by default. The HTTP side (TLS, basic auth, Host allow-list, per-client rate
 * limit, refused-request logging) is src/http-security's, shared with every endpoint of the
 * agent; beyond loopback the UI refuses to start without basic auth unless the config allows it
 * explicitly. Pages read JSON endpoints under /api; static assets come from web/ and uPlot
 * straight from node_modules, so the UI works with no internet access. Every JSON answer and
 * the config view pass through a defensive secret masker (mask-secrets.ts).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { StoreQueryError } from '../destinations/local-store/queries.ts';
import { DEFAULT_HTTP_SECURITY, type HttpSecurity } from '../http-security/security.ts';
import { createSecureServer, type OpenBeyondLoopback } from '../http-security/server.ts';
import type { Logger } from '../logging/logger.ts';
import { registerApiRoutes, type WebStore } from './api-routes.ts';
import { registerAuditPage } from './audit-page.ts';
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
  /** TLS, basic auth, Host names, rate limit (default: none, loopback names, 300 per minute per client). */
  security?: HttpSecurity;
  /** Config keys of host and port for messages (default `webUi.host`, `webUi.port`). */
  keys?: { host: string; port: string };
  /** Beyond loopback without basic auth (default: refuse, as the web UI serves events and the config). */
  openBeyondLoopback?: OpenBeyondLoopback;
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
  const host = options.host ?? '127.0.0.1';
  const getStatus = () => (options.getStatus?.() ?? {}) as WebStatus;
  const assets = findAssets(options);
  const keys = options.keys ?? { host: 'webUi.host', port: 'webUi.port' };
  const server = createSecureServer({
    label: 'WEB UI',
    // Upstream's config view wording for refused requests, for anyone who greps for it.
    rejectionLabel: 'CONFIG VIS',
    hostKey: keys.host,
    portKey: keys.port,
    host,
    port: options.port,
    security: options.security ?? DEFAULT_HTTP_SECURITY,
    openBeyondLoopback: options.openBeyondLoopback ?? {
      refuse: 'set webUi.allowRemoteWithoutAuth: true only when a reverse proxy in front of it authenticates',
    },
    log,
  });
  const { app } = server;
  await registerPlugins(app, assets);
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof BadRequest || error instanceof StoreQueryError) {
      return reply.code(400).send({ error: error.message });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600) {
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
  registerAuditPage(app, {
    withStore: store !== undefined,
    getConfigView: options.getConfigView,
    version: options.version,
    issueUrl: options.issueUrl,
    log,
  });
  registerApiRoutes(app, store, getStatus);

  const address = await server.listen();
  log.info(`WEB UI: listening on ${address.url}`);
  if (options.getConfigView) {
    log.info(
      `CONFIG VIS: Config visualisation server listening on ${address.url}${configPathOf(store !== undefined)}`,
    );
  }
  return { address: address.url, port: address.port, close: () => server.close() };
}

/** Security headers and the static files (web/ and uPlot's two files). */
async function registerPlugins(app: FastifyInstance, assets: Assets): Promise<void> {
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
