/**
 * The audit API's HTTP(S) server (docs/reference/audit-api.md#http-server): two routes,
 * `POST /api/v1/audit-event` and `GET`/`HEAD /api/v1/test-connection`, each request taken
 * through upstream's checks in upstream's order (the first that fails answers):
 *
 *   CORS preflight → rate limit → body → envelope schema → token → route → constraints →
 *   version → payload schema → queue rate limit → queue full → journal → 202
 *
 * so that a malformed body without a token is 400 (not 401) and an unknown path is 401
 * without a token and 404 with one, as upstream answers. Every request is bounded: the body
 * by size and time, the server by connection count and header and request timeouts.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from '../../logging/logger.ts';
import type { AuditEnvelope } from '../../records/audit-event.ts';
import { ANSWERS, type Answer, send, sendJson, sendNotFound } from './answers.ts';
import { MAX_BODY_BYTES, mediaKind, parseBody, readBody } from './body.ts';
import type { AuditEventsConfig } from './config.ts';
import {
  BUTLER_SOS_API_VERSION,
  clientVersionOf,
  constraintViolations,
  isCompatibleVersion,
} from './constraints.ts';
import { checkEnvelopeSchema } from './envelope-schema.ts';
import { bearerToken, createCors, IpRateLimit, setSecurityHeaders, tokenMatches } from './http-policy.ts';
import { payloadErrors } from './payload-schemas.ts';
import { type IntakeCounters, RequestLog } from './request-log.ts';

// Required, not imported: an ESM import of node:http builds its namespace from every export,
// which evaluates the lazy WebSocket getters and loads Node's copy of undici (about 14 MB
// resident, measured). See src/http/client.ts.
const require = createRequire(import.meta.url);
const { createServer: createHttpServer } = require('node:http') as typeof import('node:http');
const { createServer: createHttpsServer } = require('node:https') as typeof import('node:https');

export const EVENT_PATH = '/api/v1/audit-event';
export const TEST_PATH = '/api/v1/test-connection';

export interface AuditServerOptions {
  config: AuditEventsConfig;
  log: Logger;
  /** Steps after validation (queue rate limit, queue full, journal); resolves with the answer. */
  accept(envelope: AuditEnvelope, ip: string): Promise<Answer>;
}

export interface AuditServer {
  /** e.g. `http://127.0.0.1:8181` */
  origin: string;
  port: number;
  counters: IntakeCounters;
  close(): Promise<void>;
}

/** Opens the listener; rejects (having closed it) when it cannot. */
export async function startAuditServer(options: AuditServerOptions): Promise<AuditServer> {
  const { config, log } = options;
  const tls = config.tls.enable;
  const requests = new RequestLog(log);
  const handle = requestHandler(options, requests, tls);
  const server: Server = tls ? createHttpsServer(tlsOptions(config.tls), handle) : createHttpServer(handle);
  server.keepAliveTimeout = 72_000;
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.maxConnections = 1000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => requests.count('tls_failed'));
  await new Promise<void>((done, fail) => {
    server.once('error', (error) => fail(new Error(listenProblem(config, error), { cause: error })));
    server.listen(config.port, config.host, () => {
      server.removeAllListeners('error');
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const origin = `${tls ? 'https' : 'http'}://${host}:${port}`;
  log.info(`AUDIT API: Listening on ${origin}${EVENT_PATH}`);
  if (tls) log.info('AUDIT API: TLS minimum version: TLSv1.2');
  if (config.apiToken === '')
    log.warn('AUDIT API: No apiToken configured; the audit API accepts requests without authentication');
  return {
    origin,
    port,
    counters: requests.counters,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
        // Connections still busy get a moment to finish their answer, then are cut.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 1000).unref();
      }),
  };
}

/** Why the listener could not open, naming the keys to change. */
function listenProblem(config: AuditEventsConfig, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const at = `auditEvents.port ${config.port} on auditEvents.host ${config.host}`;
  if (code === 'EADDRINUSE')
    return `${at} is already in use (EADDRINUSE): stop what holds it or choose another port`;
  if (code === 'EACCES') return `${at} needs privileges this process does not have (EACCES)`;
  if (code === 'EADDRNOTAVAIL') return `${at}: the host is not an address of this machine (EADDRNOTAVAIL)`;
  return `${at} cannot be opened: ${(error as Error).message}`;
}

function tlsOptions(tls: AuditEventsConfig['tls']) {
  const read = (path: string, key: string) => {
    try {
      return readFileSync(resolve(process.cwd(), path));
    } catch (error) {
      throw new Error(`auditEvents.tls.${key} ${path} cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  return {
    cert: read(tls.cert, 'cert'),
    key: read(tls.key, 'key'),
    ...(tls.ca !== '' ? { ca: read(tls.ca, 'ca') } : {}),
    ...(tls.passphrase !== '' ? { passphrase: tls.passphrase } : {}),
    minVersion: 'TLSv1.2' as const,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function requestHandler(options: AuditServerOptions, requests: RequestLog, tls: boolean): Handler {
  const { config } = options;
  const cors = createCors(config.cors.allowedOrigins);
  const limiter = config.rateLimit.enable ? new IpRateLimit(config.rateLimit.maxPerMinute) : undefined;
  return (req, res) => {
    const ip = req.socket.remoteAddress ?? '';
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0]!;
    const method = req.method ?? 'GET';
    setSecurityHeaders(res, tls);
    if (method === 'OPTIONS') {
      if (!cors.preflight(req, res)) sendNotFound(res, method, url);
      return;
    }
    cors.apply(req, res);
    const route = routeOf(method, path);
    if (route && limiter && !limiter.take(ip, res)) {
      requests.rateLimited(ip, url);
      send(res, ANSWERS.httpRateLimited);
      return;
    }
    const authorised = () => {
      if (config.apiToken === '' || tokenMatches(bearerToken(req.headers.authorization), config.apiToken))
        return true;
      requests.unauthorized(ip, method, url);
      send(res, ANSWERS.unauthorized);
      return false;
    };
    if (route === 'event') {
      handleEvent(req, res, ip, options, requests, authorised).catch((error: Error) => {
        options.log.error(`AUDIT API: request failed: ${error.message}`);
        send(res, ANSWERS.internal);
      });
      return;
    }
    req.resume();
    if (!authorised()) return;
    if (route === 'test') testConnection(req, res, method);
    else sendNotFound(res, method, url);
  };
}

function routeOf(method: string, path: string): 'event' | 'test' | undefined {
  if (path === EVENT_PATH && method === 'POST') return 'event';
  if (path === TEST_PATH && (method === 'GET' || method === 'HEAD')) return 'test';
  return undefined;
}

function testConnection(req: IncomingMessage, res: ServerResponse, method: string): void {
  const auditQsVersion = clientVersionOf(req.headers['x-audit-qs-version']);
  const body = JSON.stringify({
    status: 'ok',
    message: 'Butler SOS Audit API is reachable',
    timestamp: new Date().toISOString(),
    butlerSosVersion: BUTLER_SOS_API_VERSION,
    auditQsVersion,
    compatible: auditQsVersion !== null && isCompatibleVersion(auditQsVersion),
  });
  if (method === 'HEAD') {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end();
  } else sendJson(res, 200, body);
}

async function handleEvent(
  req: IncomingMessage,
  res: ServerResponse,
  ip: string,
  options: AuditServerOptions,
  requests: RequestLog,
  authorised: () => boolean,
): Promise<void> {
  const kind = mediaKind(req.headers['content-type']);
  const declared = Number(req.headers['content-length']);
  if (kind === undefined || declared > MAX_BODY_BYTES) {
    requests.count(kind === undefined ? 'unsupported_media_type' : 'too_large');
    res.setHeader('connection', 'close');
    send(res, ANSWERS.parserError(kind === undefined ? 415 : 413));
    req.resume();
    return;
  }
  const raw = await readBody(req);
  if (raw === undefined) {
    requests.count('too_large');
    send(res, ANSWERS.parserError(413));
    return;
  }
  const parsed = parseBody(kind, raw);
  if (!parsed.ok) {
    requests.count(parsed.failure.kind === 'parser' ? 'unparsable' : 'refused');
    send(
      res,
      parsed.failure.kind === 'parser'
        ? ANSWERS.parserError(parsed.failure.status)
        : ANSWERS.refused(parsed.failure.message),
    );
    return;
  }
  const schemaError = checkEnvelopeSchema(parsed.body);
  if (schemaError) {
    requests.schemaFailed(ip, schemaError);
    send(res, ANSWERS.schema(schemaError));
    return;
  }
  if (!authorised()) return;
  const envelope = parsed.body as AuditEnvelope;
  const answer = checkSemantics(envelope, req, ip, requests) ?? (await options.accept(envelope, ip));
  send(res, answer);
}

/** Constraints, version and payload (422), or undefined when the event may be queued. */
function checkSemantics(
  envelope: AuditEnvelope,
  req: IncomingMessage,
  ip: string,
  requests: RequestLog,
): Answer | undefined {
  const violations = constraintViolations(envelope);
  if (violations.length > 0) {
    requests.constraintsFailed(envelope, violations);
    return ANSWERS.constraints(violations);
  }
  const version = clientVersionOf(req.headers['x-audit-qs-version'], envelope);
  if (version === null) requests.versionMissing(ip);
  else if (!isCompatibleVersion(version)) {
    requests.incompatible(version);
    return ANSWERS.incompatible({
      butlerSosVersion: BUTLER_SOS_API_VERSION,
      auditQsVersion: version,
      compatible: false,
    });
  }
  const errors = payloadErrors(envelope.type, envelope.payload);
  if (errors.length > 0) {
    requests.payloadFailed(envelope, errors);
    return ANSWERS.payload(errors);
  }
  return undefined;
}
