/**
 * What Butler SOS's screenshot downloads talk to in Sense, simulated: the proxy's ticket API
 * (`POST /qps[/<vp>]/ticket`, `DELETE /qps[/<vp>]/session/<id>`, both with the xrfkey check)
 * and the `tempcontent` images Audit.qs points at, over HTTPS with client certificates like
 * Sense. An image answers a valid one-time `qlikTicket` (and then sets the proxy session
 * cookie `X-Qlik-Session[-<vp>]-HTTPS`) or a live session cookie, and 403 otherwise. A plain
 * HTTP twin without authentication can be opened for the `none` mode.
 *
 * Paths that misbehave on purpose, for tests: `/redirect?to=<url>` (302), `/tempcontent/huge.png`
 * (declares 60 MiB), `/tempcontent/page.png` (an HTML page), `/tempcontent/missing.png` (404),
 * `/tempcontent/slow.png` (never answers).
 */
import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import type { TlsMaterial } from './https-endpoint.ts';
import { XSRF_FAILURE_TEXT, xrfkeyAccepted } from './sense-api.ts';

export interface SenseContentOptions {
  tls: TlsMaterial;
  /** HTTPS port on 127.0.0.1 (0 = OS-chosen). */
  port?: number;
  /** Also open a plain HTTP twin without authentication (0 = OS-chosen). */
  httpPort?: number;
}

export interface SenseContent {
  /** `https://127.0.0.1:PORT`: the QPS ticket API and the authenticated images. */
  httpsOrigin: string;
  port: number;
  /** `http://127.0.0.1:PORT` of the twin without authentication, when opened. */
  httpOrigin: string | undefined;
  /** Tickets issued, for tests: user and virtual proxy of each. */
  tickets: { user: string; virtualProxy: string }[];
  /** Proxy sessions ended through the session API. */
  deletedSessions: string[];
  /** Images served. */
  served(): number;
  close(): Promise<void>;
}

/** A small PNG (RGB, 8 bit) of a bar chart, as Sense renders objects. */
export function chartPng(width = 120, height = 80): Buffer {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height, 0xff);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0;
    for (let x = 0; x < width; x++) {
      const bar = Math.floor(x / 20);
      const top = height - 10 - ((bar * 37) % (height - 20));
      if (x % 20 > 3 && y > top && y < height - 5)
        raw.fill(0x40 + bar * 20, y * stride + 1 + x * 3, y * stride + 4 + x * 3);
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface State {
  tickets: Map<string, { user: string; virtualProxy: string }>;
  sessions: Map<string, string>;
  issued: { user: string; virtualProxy: string }[];
  deleted: string[];
  served: number;
  image: Buffer;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (text.length < 65_536) text += c;
    });
    req.on('end', () => resolve(text));
  });
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function qps(req: IncomingMessage, res: ServerResponse, url: URL, state: State): Promise<boolean> {
  const ticket = /^\/qps(?:\/([^/]+))?\/ticket$/i.exec(url.pathname);
  const session = /^\/qps(?:\/([^/]+))?\/session\/([^/]+)$/i.exec(url.pathname);
  if (!ticket && !session) return false;
  if (!xrfkeyAccepted(req, url)) {
    send(res, 403, 'text/plain', XSRF_FAILURE_TEXT);
    return true;
  }
  if (ticket && req.method === 'POST') {
    let user: { UserDirectory?: unknown; UserId?: unknown } = {};
    try {
      user = JSON.parse(await readBody(req));
    } catch {}
    if (typeof user.UserDirectory !== 'string' || typeof user.UserId !== 'string') {
      send(res, 400, 'text/plain', 'UserDirectory and UserId are required');
      return true;
    }
    const value = randomBytes(12).toString('base64url');
    const entry = { user: `${user.UserDirectory}\\${user.UserId}`, virtualProxy: ticket[1] ?? '' };
    state.tickets.set(value, entry);
    state.issued.push(entry);
    send(
      res,
      201,
      'application/json',
      JSON.stringify({
        UserDirectory: user.UserDirectory,
        UserId: user.UserId,
        Attributes: [],
        Ticket: value,
        TargetUri: null,
      }),
    );
    return true;
  }
  if (session && req.method === 'DELETE') {
    const id = decodeURIComponent(session[2]!);
    state.sessions.delete(id);
    state.deleted.push(id);
    send(res, 200, 'application/json', JSON.stringify({ SessionId: id }));
    return true;
  }
  send(res, 405, 'text/plain', 'Method Not Allowed');
  return true;
}

/** The session cookie of the request, if it names a live session. */
function liveSession(req: IncomingMessage, state: State): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const m = /^\s*(x-qlik-session[^=]*)=(.*)$/i.exec(part);
    if (m && state.sessions.has(m[2]!.trim())) return m[2]!.trim();
  }
  return undefined;
}

function content(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: State,
  authenticated: boolean,
): void {
  if (url.pathname === '/redirect') {
    res.writeHead(302, { location: url.searchParams.get('to') ?? '/', 'content-length': 0 });
    res.end();
    return;
  }
  if (!/\/tempcontent\//i.test(url.pathname)) {
    send(res, 404, 'text/plain', 'Not Found');
    return;
  }
  if (url.pathname.endsWith('/slow.png')) return;
  const headers: Record<string, string> = {};
  if (authenticated) {
    const ticket = url.searchParams.get('qlikTicket');
    const issued = ticket ? state.tickets.get(ticket) : undefined;
    if (issued && ticket) {
      state.tickets.delete(ticket);
      const id = randomBytes(16).toString('hex');
      state.sessions.set(id, issued.user);
      const name = issued.virtualProxy
        ? `X-Qlik-Session-${issued.virtualProxy}-HTTPS`
        : 'X-Qlik-Session-HTTPS';
      headers['set-cookie'] = `${name}=${id}; Path=/; HttpOnly; Secure`;
    } else if (!liveSession(req, state)) {
      send(res, 403, 'text/plain', 'Forbidden');
      return;
    }
  }
  if (url.pathname.endsWith('/missing.png')) {
    send(res, 404, 'text/plain', 'Not Found', headers);
    return;
  }
  if (url.pathname.endsWith('/page.png')) {
    send(res, 200, 'text/html', '<html><body>Login</body></html>', headers);
    return;
  }
  if (url.pathname.endsWith('/huge.png')) {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': 60 * 1024 * 1024, ...headers });
    res.write(state.image);
    setTimeout(() => res.destroy(), 100);
    return;
  }
  state.served++;
  send(res, 200, 'image/png', state.image, headers);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startSenseContent(options: SenseContentOptions): Promise<SenseContent> {
  const state: State = {
    tickets: new Map(),
    sessions: new Map(),
    issued: [],
    deleted: [],
    served: 0,
    image: chartPng(),
  };
  const sockets = new Set<Socket>();
  const handle = (authenticated: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://sense.invalid');
    qps(req, res, url, state).then(
      (done) => {
        if (!done) {
          req.resume();
          content(req, res, url, state, authenticated);
        }
      },
      () => send(res, 500, 'text/plain', 'simulator error'),
    );
  };
  const https = createHttpsServer(
    { ...options.tls, requestCert: true, rejectUnauthorized: true },
    handle(true),
  );
  https.on('tlsClientError', () => {});
  const servers: Server[] = [https];
  const http = options.httpPort === undefined ? undefined : createHttpServer(handle(false));
  if (http) servers.push(http);
  for (const server of servers)
    server.on('connection', (s: Socket) => sockets.add(s).size && s.on('close', () => sockets.delete(s)));
  const port = await listen(https, options.port ?? 0);
  const httpPort = http ? await listen(http, options.httpPort ?? 0) : undefined;
  return {
    httpsOrigin: `https://127.0.0.1:${port}`,
    port,
    httpOrigin: httpPort === undefined ? undefined : `http://127.0.0.1:${httpPort}`,
    tickets: state.issued,
    deletedSessions: state.deleted,
    served: () => state.served,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
    },
  };
}
