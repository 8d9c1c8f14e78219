/**
 * The HTTP client (src/http/client.ts) against a real node:http server on
 * loopback: bodies and headers as sent, keep-alive reuse, the per-request deadline, the
 * caller's abort, the cap on kept answer bytes, a refused connection, and redirects of the
 * one-shot request.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpClient, HttpTimeoutError, requestOnce } from '../../../src/http/client.ts';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

describe('sinks HTTP client', () => {
  let server: Server;
  let origin: string;
  let handler: Handler = (_req, _body, res) => res.end();
  const sockets = new Set<Socket>();
  let connections = 0;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handler(req, Buffer.concat(chunks), res));
    });
    server.on('connection', (socket: Socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, path, headers and body, and returns status and answer', async () => {
    let seen: { method?: string; url?: string; type?: string; length?: string; body?: string } = {};
    handler = (req, body, res) => {
      seen = {
        method: req.method,
        url: req.url,
        type: req.headers['content-type'],
        length: req.headers['content-length'],
        body: body.toString('utf8'),
      };
      res.writeHead(204).end();
    };
    const client = createHttpClient(origin, { connections: 1 });
    const answer = await client.request({
      method: 'POST',
      path: '/write?db=x&precision=ns',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'cpu value=1 1\ncpu value=2 2',
      timeoutMs: 2000,
    });
    assert.deepEqual(answer, { status: 204, body: '' });
    assert.deepEqual(seen, {
      method: 'POST',
      url: '/write?db=x&precision=ns',
      type: 'text/plain; charset=utf-8',
      length: String(Buffer.byteLength('cpu value=1 1\ncpu value=2 2')),
      body: 'cpu value=1 1\ncpu value=2 2',
    });
    await client.close();
  });

  it('sends a body given in parts as one body, its length their sum', async () => {
    let seen: { length?: string; body?: string } = {};
    handler = (req, body, res) => {
      seen = { length: req.headers['content-length'], body: body.toString('utf8') };
      res.writeHead(204).end();
    };
    const client = createHttpClient(origin, { connections: 1 });
    const parts = [
      Buffer.from('cpu value=1 1'),
      Buffer.from('\n'),
      new TextEncoder().encode('cpü value=2 2'),
    ];
    const answer = await client.request({ method: 'POST', path: '/write', body: parts, timeoutMs: 2000 });
    assert.equal(answer.status, 204);
    assert.deepEqual(seen, { length: String(13 + 1 + 14), body: 'cpu value=1 1\ncpü value=2 2' });
    await client.close();
  });

  it('reuses one keep-alive connection for requests one after another', async () => {
    handler = (_req, _body, res) => res.end('ok');
    const client = createHttpClient(origin, { connections: 2 });
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const answer = await client.request({ method: 'GET', path: '/ping', timeoutMs: 2000 });
      assert.equal(answer.body, 'ok');
    }
    assert.equal(connections - before, 1, 'five requests, one connection');
    await client.close();
  });

  it('keeps at most maxResponseBytes of an answer and still completes', async () => {
    handler = (_req, _body, res) => res.writeHead(400).end('x'.repeat(100_000));
    const client = createHttpClient(origin, { connections: 1, maxResponseBytes: 1000 });
    const answer = await client.request({ method: 'GET', path: '/big', timeoutMs: 2000 });
    assert.equal(answer.status, 400);
    assert.equal(answer.body, 'x'.repeat(1000));
    await client.close();
  });

  it('fails with HttpTimeoutError when no answer comes within timeoutMs', async () => {
    handler = () => undefined; // never answers
    const client = createHttpClient(origin, { connections: 1 });
    const started = Date.now();
    await assert.rejects(
      client.request({ method: 'GET', path: '/slow', timeoutMs: 200 }),
      (error: unknown) => error instanceof HttpTimeoutError && /200 ms/.test(error.message),
    );
    assert.ok(Date.now() - started < 2000, 'gave up near the deadline');
    await client.close();
  });

  it("fails with the caller's abort reason when the signal fires", async () => {
    handler = () => undefined;
    const client = createHttpClient(origin, { connections: 1 });
    const controller = new AbortController();
    const pending = client.request({
      method: 'GET',
      path: '/slow',
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await assert.rejects(pending, /shutting down/);
    const already = AbortSignal.abort(new Error('already stopped'));
    await assert.rejects(
      client.request({ method: 'GET', path: '/x', timeoutMs: 1000, signal: already }),
      /already stopped/,
    );
    await client.close();
  });

  it('reports a refused connection with its error code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createHttpClient(`http://127.0.0.1:${port}`, { connections: 1 });
    await assert.rejects(client.request({ method: 'GET', path: '/', timeoutMs: 2000 }), {
      code: 'ECONNREFUSED',
    });
    await client.close();
  });

  it('requestOnce follows redirects; a 303 answer to a POST continues as a GET without body', async () => {
    const seen: string[] = [];
    handler = (req, body, res) => {
      seen.push(`${req.method} ${req.url} ${body.length}`);
      if (req.url === '/start') res.writeHead(302, { location: '/moved?x=1' }).end();
      else if (req.url === '/moved?x=1') res.writeHead(200).end('arrived');
      else if (req.url === '/post') res.writeHead(303, { location: `${origin}/result` }).end();
      else if (req.url === '/result') res.writeHead(201).end(req.method);
      else res.writeHead(404).end();
    };
    const got = await requestOnce(new URL('/start', origin), { method: 'GET', timeoutMs: 2000 });
    assert.deepEqual([got.status, got.body], [200, 'arrived']);
    const posted = await requestOnce(new URL('/post', origin), {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
      timeoutMs: 2000,
    });
    assert.deepEqual([posted.status, posted.body], [201, 'GET']);
    assert.deepEqual(seen, ['GET /start 0', 'GET /moved?x=1 0', 'POST /post 7', 'GET /result 0']);
  });

  it('requestOnce gives up after maxRedirects', async () => {
    handler = (req, _body, res) => res.writeHead(307, { location: `${req.url}x` }).end();
    await assert.rejects(
      requestOnce(new URL('/loop', origin), { method: 'GET', timeoutMs: 2000, maxRedirects: 3 }),
      /more than 3 redirects/,
    );
  });

  it('refuses an origin that is not http or https', () => {
    assert.throws(() => createHttpClient('ftp://127.0.0.1/', { connections: 1 }), /ftp: is not http/);
  });
});
