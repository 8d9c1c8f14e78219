/**
 * A local HTTPS server demanding a client certificate signed by the test CA, with a
 * replaceable request handler. Binds 127.0.0.1 on an OS-chosen port.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './test-certs.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestHttpsServer {
  server: Server;
  origin: string;
  port: number;
  handler: Handler;
  /** Requests seen, with the client certificate's CN. */
  requests: { url: string; headers: IncomingMessage['headers']; clientCN: string | undefined }[];
  close(): Promise<void>;
}

export async function startTestHttpsServer(pki: TestPki, handler: Handler): Promise<TestHttpsServer> {
  const state: TestHttpsServer = {
    server: undefined as unknown as Server,
    origin: '',
    port: 0,
    handler,
    requests: [],
    close: async () => {},
  };
  const server = createServer(
    { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      state.requests.push({
        url: req.url ?? '',
        headers: req.headers,
        clientCN: peer?.subject?.CN as string | undefined,
      });
      state.handler(req, res);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.server = server;
  state.port = port;
  state.origin = `https://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export function json(body: unknown, status = 200): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}
