/**
 * One HTTPS listener of a simulated Sense service (engine 4747, proxy API 4243, QRS 4242).
 * Like Sense, it demands a client certificate issued by its CA and refuses any other TLS
 * connection during the handshake. It can be closed and re-opened on the same address and
 * port (to simulate a stopped service: connection refused), and it answers according to a
 * failure mode (timeout, HTTP 500, broken JSON) set by tests or the operator.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export type FailureMode = 'refuse' | 'timeout' | 'http500' | 'badjson' | null;

export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

/** A successful answer: status and JSON body; anything else is produced by the endpoint. */
export interface Reply {
  status: number;
  body: unknown;
  /** Plain text instead of JSON (used for Sense's error pages). */
  text?: string;
}

export type Handler = (req: IncomingMessage, url: URL) => Reply;

export class HttpsEndpoint {
  readonly host: string;
  /** The bound port (the OS-chosen one once open, when 0 was asked for). */
  port: number;
  private server: Server | null = null;
  private failure: FailureMode = null;
  /** Serialises open/close so quick mode flips never race. */
  private transition: Promise<void> = Promise.resolve();
  private readonly tls: TlsMaterial;
  private readonly handler: Handler;

  constructor(host: string, port: number, tls: TlsMaterial, handler: Handler) {
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.handler = handler;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  open(): Promise<void> {
    this.transition = this.transition.then(() => this.listen());
    return this.transition;
  }

  close(): Promise<void> {
    this.transition = this.transition.then(() => this.shutdown());
    return this.transition;
  }

  /** Changes how requests are answered; 'refuse' closes the listener until the mode changes. */
  setFailure(mode: FailureMode): Promise<void> {
    const was = this.failure;
    this.failure = mode;
    if (mode === 'refuse' && was !== 'refuse') return this.close();
    if (mode !== 'refuse' && was === 'refuse') return this.open();
    return this.transition;
  }

  /** Waits for pending open/close transitions. */
  settled(): Promise<void> {
    return this.transition;
  }

  private listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = createServer(
      {
        key: this.tls.key,
        cert: this.tls.cert,
        ca: this.tls.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => this.respond(req, res),
    );
    // TLS failures of clients (no certificate, foreign CA) are expected; never crash on them.
    server.on('tlsClientError', () => {});
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = null;
        reject(new Error(`cannot listen on ${this.host}:${this.port}: ${err.message}`));
      };
      server.once('error', onError);
      server.listen(this.port, this.host, () => {
        server.off('error', onError);
        server.on('error', () => {});
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = null;
    return new Promise((resolve) => {
      server.close(() => resolve());
      // Keep-alive and held ("timeout") connections would otherwise keep it open.
      server.closeAllConnections();
    });
  }

  private respond(req: IncomingMessage, res: ServerResponse): void {
    // Drain any request body; Sense's GET APIs ignore it.
    req.resume();
    switch (this.failure) {
      case 'timeout':
        return; // never answer; the socket is destroyed when the endpoint closes
      case 'http500':
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error');
        return;
      case 'badjson':
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end('{"version":"14.173.3","mem":{"committed":41');
        return;
    }
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', `https://${req.headers.host ?? this.address}`);
      reply = this.handler(req, url);
    } catch (err) {
      reply = { status: 500, body: null, text: `simulator error: ${(err as Error).message}` };
    }
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(reply.text);
      return;
    }
    const json = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      'Cache-Control': 'no-cache',
    });
    res.end(json);
  }
}
