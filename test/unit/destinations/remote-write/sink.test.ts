/**
 * The remote-write sink against a strict loopback receiver (it decodes every request and
 * checks its headers): auth, custom headers, TLS with a CA and a client certificate, and how
 * answers are classified. The receivers themselves are tested in
 * test/integration/remote-write/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureCertificates } from '../../../../sim/certs.ts';
import { DeliveryError } from '../../../../src/delivery/types.ts';
import type { RemoteWriteEndpointConfig } from '../../../../src/destinations/remote-write/config.ts';
import type { RwSample } from '../../../../src/destinations/remote-write/series.ts';
import { createRemoteWriteSink } from '../../../../src/destinations/remote-write/sink.ts';
import { createRedactor } from '../../../../src/secrets/redactor.ts';
import { type DecodedSeries, decodeWriteRequest } from '../../../support/remote-write.ts';

interface Seen {
  headers: IncomingMessage['headers'];
  series: DecodedSeries[];
}

type Answer = (request: Seen) => { status: number; body?: string };

/** A receiver that keeps every request decoded and answers what `answer` says. */
async function receiver(kind: 'http' | 'https', answer: Answer, tls?: Record<string, unknown>) {
  const seen: Seen[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const entry = { headers: request.headers, series: decodeWriteRequest(Buffer.concat(chunks)) };
    seen.push(entry);
    const { status, body } = answer(entry);
    response.writeHead(status).end(body ?? '');
  };
  const server: Server = kind === 'https' ? createHttpsServer(tls ?? {}, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${kind}://127.0.0.1:${port}/api/v1/write`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function endpoint(url: string, extra: Partial<RemoteWriteEndpointConfig> = {}): RemoteWriteEndpointConfig {
  return {
    name: '',
    url,
    timeoutMs: 2000,
    basicAuth: { username: '', password: '' },
    bearerToken: '',
    tls: { ca: '', cert: '', key: '', serverName: '', rejectUnauthorized: true },
    headers: [],
    externalLabels: [],
    ...extra,
  };
}

const labels = { defaults: { job: 'butler-sos', instance: 'a1' }, forced: {} };
const batch: RwSample[] = [{ n: 'butlersos_users_total', l: { host: 'sense1' }, v: 7, t: 1_700_000_000_000 }];

function sinkFor(config: RemoteWriteEndpointConfig, secrets: string[] = []) {
  const sink = createRemoteWriteSink({
    endpoint: config,
    labels,
    version: '9.9.9',
    redact: createRedactor(secrets),
  });
  sink.start();
  return sink;
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${error}`);
    return error;
  }
  assert.fail('the write succeeded');
}

describe('remote-write sink', () => {
  test('sends the protocol headers, basic auth and the configured headers, and the samples', async () => {
    const r = await receiver('http', () => ({ status: 204 }));
    const sink = sinkFor(
      endpoint(r.url, {
        basicAuth: { username: 'oslo', password: 's3cret-pw' },
        headers: [{ name: 'X-Scope-OrgID', value: 'tenant-7' }],
      }),
    );
    try {
      await sink.write(batch);
      const [request] = r.seen;
      assert.equal(request?.headers['content-type'], 'application/x-protobuf');
      assert.equal(request?.headers['content-encoding'], 'snappy');
      assert.equal(request?.headers['x-prometheus-remote-write-version'], '0.1.0');
      assert.equal(request?.headers['user-agent'], 'butler-sos/9.9.9');
      assert.equal(request?.headers['x-scope-orgid'], 'tenant-7');
      assert.equal(
        request?.headers.authorization,
        `Basic ${Buffer.from('oslo:s3cret-pw').toString('base64')}`,
      );
      assert.deepEqual(request?.series[0]?.labels, {
        __name__: 'butlersos_users_total',
        host: 'sense1',
        instance: 'a1',
        job: 'butler-sos',
      });
      assert.deepEqual(
        request?.series[0]?.samples.map((s) => [s.timeMs, s.value]),
        [[1_700_000_000_000, 7]],
      );
    } finally {
      sink.close();
      await r.close();
    }
  });

  test('a bearer token, and credentials in the URL, become the Authorization header', async () => {
    const r = await receiver('http', () => ({ status: 200 }));
    const bearer = sinkFor(endpoint(r.url, { bearerToken: 'tok-123456' }));
    const inUrl = sinkFor(endpoint(r.url.replace('http://', 'http://site%201:p%40ss@')));
    try {
      await bearer.write(batch);
      await inUrl.write(batch);
      assert.equal(r.seen[0]?.headers.authorization, 'Bearer tok-123456');
      assert.equal(
        r.seen[1]?.headers.authorization,
        `Basic ${Buffer.from('site 1:p@ss').toString('base64')}`,
      );
    } finally {
      bearer.close();
      inUrl.close();
      await r.close();
    }
  });

  test('5xx and 429 are retried, 401/403/404 too (settings, not data); other 4xx refuse the content', async () => {
    let status = 500;
    const r = await receiver('http', () => ({ status, body: 'out of order sample' }));
    const sink = sinkFor(endpoint(r.url));
    try {
      const expected: [number, string, string][] = [
        [500, 'retryable', 'server_error'],
        [503, 'retryable', 'server_error'],
        [429, 'retryable', 'rate_limited'],
        [401, 'retryable', 'auth'],
        [404, 'retryable', 'not_found'],
        [400, 'rejected', 'bad_request'],
        [413, 'rejected', 'too_large'],
      ];
      for (const [answer, kind, code] of expected) {
        status = answer;
        const error = await failure(sink.write(batch));
        assert.deepEqual([answer, error.kind, error.code], [answer, kind, code]);
        assert.match(error.message, new RegExp(`HTTP ${answer}: out of order sample`));
      }
    } finally {
      sink.close();
      await r.close();
    }
  });

  test('an endpoint that refuses connections is retried; no secret reaches the error text', async () => {
    const r = await receiver('http', ({ headers }) => ({
      status: 400,
      body: `bad ${headers.authorization}`,
    }));
    const sink = sinkFor(endpoint(r.url, { bearerToken: 'tok-secret-99' }), ['tok-secret-99']);
    try {
      const refused = await failure(sinkFor(endpoint('http://127.0.0.1:1/api/v1/write')).write(batch));
      assert.deepEqual([refused.kind, refused.code], ['retryable', 'refused']);
      const echoed = await failure(sink.write(batch));
      assert.doesNotMatch(echoed.message, /tok-secret-99/);
    } finally {
      sink.close();
      await r.close();
    }
  });

  describe('TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'butler-sos-rw-tls-'));
    let certs: Awaited<ReturnType<typeof ensureCertificates>>;
    before(async () => {
      certs = await ensureCertificates(dir, { dnsNames: [], ipAddresses: [] });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('verifies the server with the configured CA and presents the client certificate', async () => {
      const r = await receiver('https', () => ({ status: 204 }), {
        cert: readFileSync(certs.serverCert),
        key: readFileSync(certs.serverKey),
        ca: readFileSync(certs.clientCertCA),
        requestCert: true,
        rejectUnauthorized: true,
      });
      const tls = {
        ca: certs.clientCertCA,
        cert: certs.clientCert,
        key: certs.clientCertKey,
        serverName: '',
      };
      const withCert = sinkFor(endpoint(r.url, { tls: { ...tls, rejectUnauthorized: true } }));
      const withoutCa = sinkFor(endpoint(r.url, { tls: { ...tls, ca: '', rejectUnauthorized: true } }));
      const withoutClientCert = sinkFor(
        endpoint(r.url, { tls: { ...tls, cert: '', key: '', rejectUnauthorized: true } }),
      );
      try {
        await withCert.write(batch);
        assert.equal(r.seen.length, 1);
        const untrusted = await failure(withoutCa.write(batch));
        assert.deepEqual([untrusted.kind, untrusted.code], ['retryable', 'tls']);
        const noClientCert = await failure(withoutClientCert.write(batch));
        assert.equal(noClientCert.kind, 'retryable');
        assert.equal(r.seen.length, 1);
      } finally {
        for (const sink of [withCert, withoutCa, withoutClientCert]) sink.close();
        await r.close();
      }
    });

    test('a TLS file that cannot be read fails start, naming the file', () => {
      const sink = createRemoteWriteSink({
        endpoint: endpoint('https://127.0.0.1:1/api/v1/write', {
          tls: { ca: join(dir, 'missing.pem'), cert: '', key: '', serverName: '', rejectUnauthorized: true },
        }),
        labels,
        version: '1',
        redact: (text) => text,
      });
      assert.throws(() => sink.start(), /cannot read the TLS CA file .*missing\.pem: ENOENT/);
    });
  });
});
