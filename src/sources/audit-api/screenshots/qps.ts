/**
 * The Qlik Sense proxy's ticket API, for screenshot downloads as a Sense user
 * (docs/audit-events.md#screenshots): `POST /qps[/<vp>]/ticket?Xrfkey=<key>` over mutual TLS
 * with the Sense client certificate gives a one-time ticket; `DELETE /qps[/<vp>]/session/<id>`
 * ends a proxy session the download opened. The virtual proxy of a user's screenshot comes
 * from the first segment of the screenshot URL's path.
 */
import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:https';
import { request } from 'node:https';

/** Virtual proxy prefix without slashes ('' = the default one); undefined when not valid. */
export function normaliseVirtualProxy(value: string): string | undefined {
  const trimmed = value.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  return /^[A-Za-z0-9._~-]+$/.test(trimmed) ? trimmed : undefined;
}

const NOT_A_PROXY = new Set(['api', 'hub', 'printing', 'resources', 'sense', 'tempcontent']);

/** The virtual proxy a screenshot URL goes through: its path's first segment, unless that is a Sense path. */
export function virtualProxyOfUrl(url: URL): string | undefined {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const first = segments[0];
  if (first === undefined || NOT_A_PROXY.has(first.toLowerCase())) return '';
  if (first.toLowerCase() === 'qps') {
    const second = segments[1];
    return second === undefined || ['ticket', 'session'].includes(second.toLowerCase())
      ? ''
      : normaliseVirtualProxy(second);
  }
  return normaliseVirtualProxy(first);
}

export interface QpsEndpoint {
  host: string;
  port: number;
  agent: Agent;
  timeoutMs: number;
}

function xrfkey(): string {
  return randomBytes(8).toString('hex');
}

function call(
  endpoint: QpsEndpoint,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const key = xrfkey();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        method,
        path: `${path}?Xrfkey=${key}`,
        agent: endpoint.agent,
        headers: {
          'x-qlik-xrfkey': key,
          ...(body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {}),
        },
        timeout: endpoint.timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 65_536) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`QPS did not answer within ${endpoint.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const prefix = (vp: string) => (vp === '' ? '/qps' : `/qps/${vp}`);

/** A ticket for the user; throws when the proxy gives none. */
export async function requestTicket(
  endpoint: QpsEndpoint,
  virtualProxy: string,
  userDirectory: string,
  userId: string,
): Promise<string> {
  const body = JSON.stringify({ UserDirectory: userDirectory, UserId: userId });
  const answer = await call(endpoint, 'POST', `${prefix(virtualProxy)}/ticket`, body);
  if (answer.status < 200 || answer.status >= 300)
    throw new Error(`ticket request answered HTTP ${answer.status}`);
  let ticket: unknown;
  try {
    ticket = (JSON.parse(answer.text) as { Ticket?: unknown }).Ticket;
  } catch {
    ticket = undefined;
  }
  if (typeof ticket !== 'string' || ticket === '')
    throw new Error('ticket request answered without a Ticket');
  return ticket;
}

/** Ends a proxy session; the virtual proxy comes from the cookie name `X-Qlik-Session-<vp>-HTTP[S]`. */
export async function deleteSession(
  endpoint: QpsEndpoint,
  cookie: { name: string; value: string },
): Promise<void> {
  const vp = /^x-qlik-session-(.+)-https?$/i.exec(cookie.name)?.[1] ?? '';
  const answer = await call(endpoint, 'DELETE', `${prefix(vp)}/session/${encodeURIComponent(cookie.value)}`);
  if (answer.status >= 400) throw new Error(`session delete answered HTTP ${answer.status}`);
}
