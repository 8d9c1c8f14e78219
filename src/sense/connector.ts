/**
 * The TLS connector behind the Sense client's undici Agent.
 *
 * Hand-written because undici's built-in connector keeps TLS sessions only through a
 * WeakRef, so the session ticket is usually garbage-collected before the next poll (seconds
 * later) and every poll pays a full handshake with a client-certificate signature; it also
 * keys sessions by host name only, so the engine (4747) and proxy (4243) ports of one
 * server would overwrite each other's ticket. Here tickets are held strongly, per
 * host:port, in a bounded map. Resumed connections cost a fraction of a full handshake,
 * which matters when servers close idle connections between polls.
 */
import { isIP } from 'node:net';
import { type SecureContext, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { buildConnector } from 'undici';

export interface ConnectorOptions {
  secureContext: SecureContext;
  rejectUnauthorized: boolean;
  /** Fails the TCP + TLS setup after this long. */
  connectTimeoutMs: number;
  /** Most sessions kept (one per host:port). */
  maxSessions?: number;
}

export interface SenseConnector {
  connect: buildConnector.connector;
  /** Connections opened, and how many of them resumed a TLS session. */
  stats(): { connections: number; resumed: number };
}

export function createSenseConnector(options: ConnectorOptions): SenseConnector {
  const sessions = new Map<string, Buffer>();
  const maxSessions = options.maxSessions ?? 4096;
  let connections = 0;
  let resumed = 0;

  const connect: buildConnector.connector = (opts, callback) => {
    const hostname = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
    const port = Number(opts.port) || 443;
    const key = `${hostname}:${port}`;
    // SNI only for names; Node warns when an IP address is used as server name.
    const servername = opts.servername || (isIP(hostname) ? undefined : hostname);
    const session = sessions.get(key);
    const socket: TLSSocket = tlsConnect({
      host: hostname,
      port,
      ...(servername ? { servername } : {}),
      secureContext: options.secureContext,
      rejectUnauthorized: options.rejectUnauthorized,
      ALPNProtocols: ['http/1.1'],
      ...(session ? { session } : {}),
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    connections++;
    socket.on('session', (session: Buffer) => {
      sessions.delete(key);
      sessions.set(key, session);
      if (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value as string);
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);

    let pending: typeof callback | null = callback;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      const cb = pending;
      pending = null;
      if (!cb) return;
      if (error) cb(error, null);
      else cb(null, socket);
    };
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`connect timeout after ${options.connectTimeoutMs} ms`), {
        code: 'UND_ERR_CONNECT_TIMEOUT',
      });
      socket.destroy(error);
      finish(error);
    }, options.connectTimeoutMs);
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) resumed++;
      finish(null);
    });
    socket.on('error', (error) => {
      // A handshake failure drops the session so the next attempt starts fresh. Errors
      // after the handshake (undici destroys idle sockets the server closed) keep it.
      if (pending) sessions.delete(key);
      finish(error);
    });
    return socket;
  };

  return { connect, stats: () => ({ connections, resumed }) };
}
