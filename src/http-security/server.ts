/**
 * The one way the agent opens an HTTP endpoint (web UI and API, /metrics and /status, Node.js
 * metrics, Docker health): a Fastify instance with TLS and basic auth from the web config file,
 * the Host allow-list, the per-client rate limit (404s and failed logins included), throttled
 * logging of what is refused, bounded request time and body size, and a listen error that names
 * the config key and the port.
 */
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../logging/logger.ts';
import { type BasicAuth, createBasicAuth, parseBasic } from './basic-auth.ts';
import { hostCheck, isLoopbackHost } from './hosts.ts';
import { type ClientKey, createRateLimiter, type RateLimiter } from './rate-limit.ts';
import { createRejectionLog, type RejectedRequest, type RejectionLog } from './rejection-log.ts';
import { type HttpSecurity, hasUsers } from './security.ts';

/** What to do when the endpoint would be reachable beyond this machine without authentication. */
export type OpenBeyondLoopback = 'allow' | 'warn' | { refuse: string };

export interface SecureServerOptions {
  /** Log prefix and start of error messages: `WEB UI`, `PROMETHEUS`, ... */
  label: string;
  /** Prefix of the refused-request lines, when it differs (the web UI keeps upstream's `CONFIG VIS`). */
  rejectionLabel?: string;
  /** Config keys of the bind address and port, for messages: `webUi.host`, `webUi.port`. */
  hostKey: string;
  portKey: string;
  host: string;
  port: number;
  security: HttpSecurity;
  /** TLS and basic auth on a loopback address too (default true; the Docker probe needs false). */
  protectLoopback?: boolean;
  /** Default 'warn'. */
  openBeyondLoopback?: OpenBeyondLoopback;
  log: Logger;
  /** Fastify's keep-alive timeout (Prometheus keeps scrape connections open). */
  keepAliveTimeout?: number;
}

export interface SecureServer {
  app: FastifyInstance;
  /** Listens; rejects with a message naming the key and port. Returns e.g. `https://127.0.0.1:9842`. */
  listen(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** Cost in rate-limit tokens of a failed login (a bcrypt check is expensive). */
const FAILED_LOGIN_COST = 10;
/** Failed logins per minute per address, whatever the client claims to be. */
const FAILED_LOGINS_PER_MINUTE = 30;

export function createSecureServer(options: SecureServerOptions): SecureServer {
  const { security, host, log } = options;
  const protect = options.protectLoopback !== false || !isLoopbackHost(host);
  const tls = protect ? security.tls : undefined;
  checkExposure(options, protect);
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    requestTimeout: 30_000,
    bodyLimit: 64 * 1024,
    ...(options.keepAliveTimeout !== undefined ? { keepAliveTimeout: options.keepAliveTimeout } : {}),
    ...(tls
      ? {
          https: {
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca ? { ca: tls.ca } : {}),
            requestCert: tls.clientAuth !== 'NoClientCert',
            rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
            minVersion: tls.minVersion,
          },
        }
      : {}),
  }) as unknown as FastifyInstance;
  const rejections = createRejectionLog({ label: options.rejectionLabel ?? options.label, log });
  const guard = requestGuard({
    security,
    host,
    rejections,
    auth: protect && hasUsers(security) ? createBasicAuth({ users: security.users }) : undefined,
    verifyGivenCert: tls?.clientAuth === 'VerifyClientCertIfGiven',
  });
  app.addHook('onRequest', guard);
  app.addHook('onClose', async () => rejections.close());
  return {
    app,
    listen: () => listen(app, options, tls ? 'https' : 'http'),
    close: () => app.close(),
  };
}

/** Refuses or warns about an endpoint open beyond loopback with no authentication. */
function checkExposure(options: SecureServerOptions, protect: boolean): void {
  const { security, host, log } = options;
  const mtls = security.tls?.clientAuth === 'RequireAndVerifyClientCert';
  if (isLoopbackHost(host) || (protect && (hasUsers(security) || mtls))) return;
  const policy = options.openBeyondLoopback ?? 'warn';
  const where = `${options.hostKey} ${host}`;
  if (typeof policy === 'object') {
    throw new Error(
      `${options.label}: ${where} is reachable beyond this machine and no basic auth is configured (httpSecurity.webConfigFile, basic_auth_users); ${policy.refuse}`,
    );
  }
  if (policy === 'warn') {
    log.warn(
      `${options.label}: ${where}:${options.port} is reachable beyond this machine without authentication; ` +
        'configure basic_auth_users in httpSecurity.webConfigFile, or bind it to 127.0.0.1',
    );
  }
}

interface GuardOptions {
  security: HttpSecurity;
  host: string;
  rejections: RejectionLog;
  auth: BasicAuth | undefined;
  verifyGivenCert: boolean;
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The onRequest hook: rate limit, Host, client certificate, basic auth, in that order. */
function requestGuard({ security, host, rejections, auth, verifyGivenCert }: GuardOptions): Hook {
  const limiter: RateLimiter = createRateLimiter({ perMinute: security.rateLimitPerMinute });
  const failedLogins = createRateLimiter({ perMinute: FAILED_LOGINS_PER_MINUTE, bucketsPerAddress: 1 });
  const hostAllowed = hostCheck(host, security.allowedHosts);
  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    code: number,
    reason: RejectedRequest['reason'],
    message: string,
    detail?: string,
  ) => {
    rejections.note({
      reason,
      ip: request.ip,
      method: request.method,
      url: request.url,
      ...(detail ? { detail } : {}),
    });
    return reply
      .code(code)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ error: message });
  };

  return async (request, reply) => {
    const client: ClientKey = { address: request.ip, identity: identityOf(request) };
    if (!limiter.take(client)) {
      reply.header('retry-after', String(limiter.retryAfterSeconds(client)));
      return refuse(request, reply, 429, 'rate limit', 'Too many requests');
    }
    if (!hostAllowed(request.headers.host)) {
      return refuse(
        request,
        reply,
        403,
        'host not allowed',
        'Host not allowed',
        `Host ${request.headers.host}`,
      );
    }
    if (verifyGivenCert) {
      const socket = request.raw.socket as TLSSocket;
      const given =
        typeof socket.getPeerCertificate === 'function' &&
        Object.keys(socket.getPeerCertificate()).length > 0;
      if (given && !socket.authorized)
        return refuse(request, reply, 403, 'client certificate', 'Client certificate not trusted');
    }
    if (!auth) return undefined;
    const anonymous: ClientKey = { address: request.ip, identity: '' };
    if (request.headers.authorization !== undefined && !failedLogins.allows(anonymous)) {
      reply.header('retry-after', String(failedLogins.retryAfterSeconds(anonymous)));
      return refuse(request, reply, 429, 'rate limit', 'Too many failed logins');
    }
    const result = await auth.check(request.headers.authorization);
    if (result.ok) return undefined;
    if (result.reason === 'busy') {
      reply.header('retry-after', '1');
      return refuse(request, reply, 429, 'rate limit', 'Too many logins at once');
    }
    if (result.reason === 'invalid') {
      limiter.take(client, FAILED_LOGIN_COST);
      failedLogins.take(anonymous);
    }
    reply.header('www-authenticate', 'Basic realm="Butler SOS", charset="UTF-8"');
    if (result.reason === 'missing') return reply.code(401).send({ error: 'Authentication required' });
    return refuse(
      request,
      reply,
      401,
      'authentication',
      'Authentication required',
      result.user ? `user ${result.user}` : undefined,
    );
  };
}

/** What tells clients of one address apart: the user they claim, else their User-Agent. */
function identityOf(request: FastifyRequest): string {
  const user = parseBasic(request.headers.authorization)?.user;
  return user !== undefined ? `user ${user}` : `agent ${request.headers['user-agent'] ?? ''}`;
}

async function listen(app: FastifyInstance, options: SecureServerOptions, scheme: 'http' | 'https') {
  const { host, port } = options;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new Error(`${options.label}: ${listenProblem(options, error)}`, { cause: error });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return { url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`, port: bound };
}

/** Why a listen failed, naming the key and the port. */
export function listenProblem(
  options: Pick<SecureServerOptions, 'hostKey' | 'portKey' | 'host' | 'port'>,
  error: unknown,
): string {
  const code = (error as { code?: unknown })?.code;
  const { host, port, hostKey, portKey } = options;
  switch (code) {
    case 'EADDRINUSE':
      return `${portKey} ${port} is already in use on ${host} (EADDRINUSE): stop what holds it or choose another port`;
    case 'EACCES':
      return `${portKey} ${port} on ${host} needs privileges this process does not have (EACCES): choose a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `${hostKey} ${host} is not an address of this machine (EADDRNOTAVAIL), so ${portKey} ${port} cannot be opened`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${hostKey} ${host} cannot be resolved (${code}), so ${portKey} ${port} cannot be opened`;
    default:
      return `cannot listen on ${hostKey} ${host}, ${portKey} ${port}: ${(error as Error)?.message ?? String(error)}`;
  }
}
