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
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { LocalStoreStats } from '../destinations/local-store/local-store.ts';
import { StoreQueryError, type StoreReader } from '../destinations/local-store/queries.ts';
import type { Logger } from '../logging/logger.ts';
import { maskSecrets } from './mask-secrets.ts';
import { buildOverview } from './overview.ts';
import {
  configBody,
  deliveryBody,
  layout,
  logsBody,
  type NavItem,
  notFoundBody,
  overviewBody,
  usersBody,
} from './pages.ts';
import type { WebStatus } from './status.ts';

export type WebStore = StoreReader & { stats(): LocalStoreStats };

export interface WebServerOptions {
  /** Bind address (default 127.0.0.1: the UI has no authentication). */
  host?: string;
  /** Default 3100; 0 lets the OS choose. */
  port?: number;
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

export const DEFAULT_WEB_PORT = 3100;

/** web/ next to src/ in a checkout; bundles (single executable) pass `assets` instead. */
function defaultAssets(): { webRoot: string; uplotDir: string } {
  return {
    webRoot: fileURLToPath(new URL('../../web/', import.meta.url)),
    uplotDir: dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js')),
  };
}

class BadRequest extends Error {}

type Query = Record<string, string | string[] | undefined>;

const one = (q: Query, key: string): string | undefined => {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
};

function numberParam(q: Query, key: string, fallback: number): number {
  const raw = one(q, key);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new BadRequest(`query parameter ${key} must be a number`);
  return n;
}

function required(q: Query, key: string): string {
  const v = one(q, key);
  if (v === undefined || v === '') throw new BadRequest(`query parameter ${key} is required`);
  return v;
}

const list = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

/** `tag.<name>=a&tag.<name>=b` → {name: [a, b]} */
function tagFilters(q: Query): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(q)) {
    if (!key.startsWith('tag.') || value === undefined) continue;
    out[key.slice(4)] = Array.isArray(value) ? value : [value];
  }
  return out;
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
  const port = options.port ?? DEFAULT_WEB_PORT;
  const getStatus = () => (options.getStatus?.() ?? {}) as WebStatus;
  const configView = options.getConfigView;
  // Upstream's config view answers at "/"; when the dashboard is on, "/" is the overview.
  const configPath = store ? '/config' : '/';

  const nav: NavItem[] = [
    ...(store
      ? [
          { href: '/', label: 'Overview' },
          { href: '/logs', label: 'Log events' },
          { href: '/users', label: 'User activity' },
        ]
      : []),
    { href: '/delivery', label: 'Delivery' },
    ...(configView ? [{ href: configPath, label: 'Config' }] : []),
  ];
  const page = (title: string, active: string, body: string, script?: string) =>
    layout({
      title,
      active,
      nav,
      body,
      ...(script ? { script } : {}),
      ...(options.version ? { version: options.version } : {}),
    });

  let assets: { webRoot: string; uplotDir: string };
  try {
    assets = options.assets ?? defaultAssets();
  } catch (error) {
    throw new Error(`WEB UI: cannot find the web assets: ${(error as Error).message}`, { cause: error });
  }

  const app = Fastify({ logger: false, forceCloseConnections: true });

  await app.register(rateLimit, {
    max: options.rateLimitPerMinute ?? 300,
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
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) return reply.code(404).send({ error: 'not found' });
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(page('Not found', '', notFoundBody(options.issueUrl)));
  });

  const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').send(body);
  const needStore = (): WebStore => {
    if (!store) throw Object.assign(new Error('the local store is not enabled'), { statusCode: 404 });
    return store;
  };

  app.get('/health', async () => ({ statusCode: 200, status: 'ok' }));
  app.get('/api/status', async () => maskSecrets(getStatus()));

  if (store) {
    app.get('/', (_q, reply) => html(reply, page('Overview', '/', overviewBody, 'overview')));
    app.get('/logs', (_q, reply) => html(reply, page('Log events', '/logs', logsBody, 'logs')));
    app.get('/users', (_q, reply) => html(reply, page('User activity', '/users', usersBody, 'users')));
  }
  app.get('/delivery', (_q, reply) => html(reply, page('Delivery', '/delivery', deliveryBody, 'delivery')));

  if (configView) {
    const renderConfig = async (_q: FastifyRequest, reply: FastifyReply) => {
      let body: string;
      try {
        body = page('Config', configPath, configBody(maskSecrets(configView())), 'config');
      } catch (error) {
        log.error(`CONFIG VIS: cannot render the config view: ${(error as Error).message}`);
        return reply.code(500).send({ error: 'Internal server error' });
      }
      return html(reply, body);
    };
    app.get(configPath, renderConfig);
    if (configPath !== '/config') app.get('/config', renderConfig);
    app.get('/api/config', async () => maskSecrets(configView()));
  }

  app.get('/api/overview', async (request) => {
    const q = request.query as Query;
    const untilMs = Date.now();
    const minutes = numberParam(q, 'minutes', 180);
    if (minutes <= 0 || minutes > 31 * 24 * 60) throw new BadRequest('minutes must be between 1 and 44640');
    return maskSecrets(
      buildOverview(needStore(), getStatus(), {
        sinceMs: untilMs - minutes * 60_000,
        untilMs,
        maxPoints: numberParam(q, 'maxPoints', 600),
      }),
    );
  });

  app.get('/api/series', async (request) => {
    const q = request.query as Query;
    const untilMs = numberParam(q, 'until', Date.now());
    const groupBy = list(one(q, 'groupBy'));
    return needStore().series({
      measurement: required(q, 'measurement'),
      fields: list(required(q, 'field')),
      sinceMs: numberParam(q, 'since', untilMs - 3_600_000),
      untilMs,
      maxPoints: numberParam(q, 'maxPoints', 600),
      ...(groupBy.length > 0 ? { groupBy } : {}),
    });
  });

  app.get('/api/latest', async (request) => {
    const q = request.query as Query;
    const groupBy = list(one(q, 'groupBy'));
    return needStore().latest({
      measurement: required(q, 'measurement'),
      sinceMs: numberParam(q, 'since', 0),
      ...(groupBy.length > 0 ? { groupBy } : {}),
    });
  });

  app.get('/api/events', async (request) => {
    const q = request.query as Query;
    const textFields = list(one(q, 'textFields'));
    const rows = needStore().events({
      measurement: required(q, 'measurement'),
      limit: numberParam(q, 'limit', 200),
      afterId: numberParam(q, 'afterId', 0),
      sinceMs: numberParam(q, 'since', 0),
      tags: tagFilters(q),
      text: one(q, 'text') ?? '',
      ...(textFields.length > 0 ? { textFields } : {}),
    });
    return maskSecrets(rows);
  });

  app.get('/api/facets', async (request) => {
    const q = request.query as Query;
    return needStore().facets({ measurement: required(q, 'measurement'), tags: list(required(q, 'tags')) });
  });

  app.get('/api/store', async () => (store ? store.stats() : null));

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
  const address = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  log.info(`WEB UI: listening on ${address}`);
  if (configView) log.info(`CONFIG VIS: Config visualisation server listening on ${address}${configPath}`);

  return {
    address,
    port: boundPort,
    close: () => app.close(),
  };
}
