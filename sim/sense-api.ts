/**
 * Request handlers of the three Sense APIs that Butler SOS polls (docs/reference/sense-apis.md):
 * the engine healthcheck, the proxy session list per virtual proxy and the QRS app list.
 */
import type { IncomingMessage } from 'node:http';
import type { Handler, Reply } from './https-endpoint.ts';
import type { ServerModel } from './model.ts';

/** Sense's answer when the xrfkey header and query parameter are missing or differ. */
export const XSRF_FAILURE_TEXT = 'XSRF prevention check failed. Possible XSRF discovered.';

const notFound: Reply = { status: 404, body: null, text: 'Not Found' };
const notAllowed: Reply = { status: 405, body: null, text: 'Method Not Allowed' };
const xsrfRefused: Reply = { status: 403, body: null, text: XSRF_FAILURE_TEXT };

/**
 * Sense's XSRF protection: a 16-character key must arrive both as the `xrfkey` query
 * parameter (name case-insensitive: upstream sends `Xrfkey` to the proxy and `xrfkey` to the
 * QRS) and as the `X-Qlik-Xrfkey` header, with identical values.
 */
export function xrfkeyAccepted(req: IncomingMessage, url: URL): boolean {
  let query: string | undefined;
  for (const [name, value] of url.searchParams) if (name.toLowerCase() === 'xrfkey') query = value;
  const header = req.headers['x-qlik-xrfkey'];
  return typeof header === 'string' && query !== undefined && query.length === 16 && header === query;
}

export function engineHandler(model: ServerModel): Handler {
  return (req, url) => {
    if (url.pathname !== '/engine/healthcheck') return notFound;
    if (req.method !== 'GET') return notAllowed;
    model.step();
    return { status: 200, body: model.health() };
  };
}

/** `/qps/session` serves the default virtual proxy `/`; `/qps/<prefix>/session` serves `/<prefix>`. */
export function proxyHandler(model: ServerModel): Handler {
  const byPrefix = new Map(model.virtualProxies.map((vp) => [vp.toLowerCase(), vp]));
  return (req, url) => {
    const match = /^\/qps(\/[^/]+)?\/session$/i.exec(url.pathname);
    if (!match) return notFound;
    const virtualProxy = byPrefix.get((match[1] ?? '/').toLowerCase());
    if (virtualProxy === undefined) return notFound;
    if (req.method !== 'GET') return notAllowed;
    if (!xrfkeyAccepted(req, url)) return xsrfRefused;
    model.step();
    return { status: 200, body: model.sessionsFor(virtualProxy) };
  };
}

/** One QRS for the whole cluster: lists the apps of every node. */
export function qrsHandler(models: ServerModel[]): Handler {
  return (req, url) => {
    if (url.pathname.toLowerCase() !== '/qrs/app') return notFound;
    if (req.method !== 'GET') return notAllowed;
    if (!xrfkeyAccepted(req, url)) return xsrfRefused;
    return { status: 200, body: models.flatMap((m) => m.qrsApps()) };
  };
}
