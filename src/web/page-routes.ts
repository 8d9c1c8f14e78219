/**
 * The HTML pages of the web UI (overview, log events, user activity, delivery), the config
 * view and the 404 page, each a server-rendered shell around one small script.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logging/logger.ts';
import { maskSecrets } from './mask-secrets.ts';
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

export interface PageOptions {
  /** Whether the local store is on (the dashboard pages need it). */
  withStore: boolean;
  /** The loaded config, already masked; absent: no config view. */
  getConfigView: (() => unknown) | undefined;
  version: string | undefined;
  issueUrl: string | undefined;
  log: Logger;
}

type Render = (title: string, active: string, body: string, script?: string) => string;

/** Upstream's config view answers at "/"; when the dashboard is on, "/" is the overview. */
export function configPathOf(withStore: boolean): string {
  return withStore ? '/config' : '/';
}

export function registerPageRoutes(app: FastifyInstance, options: PageOptions): void {
  const page = pageRenderer(options);
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) return reply.code(404).send({ error: 'not found' });
    return html(reply.code(404), page('Not found', '', notFoundBody(options.issueUrl)));
  });
  if (options.withStore) {
    app.get('/', (_q, reply) => html(reply, page('Overview', '/', overviewBody, 'overview')));
    app.get('/logs', (_q, reply) => html(reply, page('Log events', '/logs', logsBody, 'logs')));
    app.get('/users', (_q, reply) => html(reply, page('User activity', '/users', usersBody, 'users')));
  }
  app.get('/delivery', (_q, reply) => html(reply, page('Delivery', '/delivery', deliveryBody, 'delivery')));
  if (options.getConfigView) registerConfigView(app, options, options.getConfigView, page);
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body);
}

/** Renders a page inside the layout, with the navigation of the pages that exist. */
export function pageRenderer({ withStore, getConfigView, version }: PageOptions): Render {
  const nav: NavItem[] = [
    ...(withStore
      ? [
          { href: '/', label: 'Overview' },
          { href: '/logs', label: 'Log events' },
          { href: '/users', label: 'User activity' },
        ]
      : []),
    { href: '/audit', label: 'Audit' },
    { href: '/delivery', label: 'Delivery' },
    ...(getConfigView ? [{ href: configPathOf(withStore), label: 'Config' }] : []),
  ];
  return (title, active, body, script) =>
    layout({
      title,
      active,
      nav,
      body,
      ...(script ? { script } : {}),
      ...(version ? { version } : {}),
    });
}

function registerConfigView(
  app: FastifyInstance,
  { withStore, log }: PageOptions,
  configView: () => unknown,
  page: Render,
): void {
  const configPath = configPathOf(withStore);
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
