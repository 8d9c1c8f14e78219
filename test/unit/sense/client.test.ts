import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSenseClient } from '../../../src/sense/client.ts';
import { json, startTestHttpsServer, type TestHttpsServer } from './https-test-server.ts';
import { createTestPki, type TestPki } from './test-certs.ts';

const sense = { trust: 'sense' as const, rejectUnauthorized: true, headers: {}, timeoutMs: 2000 };

describe('Sense HTTPS client', () => {
  let pki: TestPki;
  let otherPki: TestPki;
  let server: TestHttpsServer;

  before(async () => {
    pki = createTestPki();
    otherPki = createTestPki('Unrelated CA');
    server = await startTestHttpsServer(pki, json({ ok: 1 }));
  });
  after(async () => {
    await server.close();
    pki.cleanup();
    otherPki.cleanup();
  });

  it('presents the client certificate, verifies the server with the CA and parses JSON', async () => {
    server.handler = json({ version: '14.173.3' });
    const client = createSenseClient({ cert: pki.files });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, {
      ...sense,
      headers: { 'X-Test': 'a' },
    });
    await client.close();
    assert.equal(res.ok, true);
    assert.deepEqual(res.ok && res.body, { version: '14.173.3' });
    const seen = server.requests.at(-1);
    assert.equal(seen?.clientCN, 'QlikClient');
    assert.equal(seen?.headers['x-test'], 'a');
  });

  it('reuses one connection across requests (keep-alive)', async () => {
    server.handler = json([]);
    const sockets = new Set<unknown>();
    const onConnection = (s: unknown) => sockets.add(s);
    server.server.on('secureConnection', onConnection);
    const client = createSenseClient({ cert: pki.files });
    for (let i = 0; i < 5; i++) {
      const res = await client.getJson(`${server.origin}/qps/session`, sense);
      assert.equal(res.ok, true);
      // Polls are seconds apart; the agent frees the socket a tick after the body ends.
      await new Promise((r) => setTimeout(r, 20));
    }
    await client.close();
    server.server.off('secureConnection', onConnection);
    assert.equal(sockets.size, 1);
  });

  it('classifies a refused connection', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = createSenseClient({ cert: pki.files });
    const res = await client.getJson(`https://127.0.0.1:${port}/engine/healthcheck`, sense);
    await client.close();
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.failure.reason, 'refused');
    assert.equal(!res.ok && res.failure.code, 'ECONNREFUSED');
  });

  it('classifies a timeout', async () => {
    server.handler = () => {}; // never answers
    const client = createSenseClient({ cert: pki.files });
    const started = Date.now();
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, { ...sense, timeoutMs: 300 });
    await client.close();
    assert.equal(!res.ok && res.failure.reason, 'timeout');
    assert.equal(!res.ok && res.failure.timeoutMs, 300);
    assert.ok(Date.now() - started < 2000);
  });

  it('classifies an untrusted server certificate (wrong CA) as tls', async () => {
    server.handler = json({});
    const files = { ...pki.files, clientCertCA: otherPki.files.clientCertCA };
    const client = createSenseClient({ cert: files });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, sense);
    await client.close();
    assert.equal(!res.ok && res.failure.reason, 'tls');
  });

  it('skips verification when rejectUnauthorized is false', async () => {
    server.handler = json({ a: 1 });
    const files = { ...pki.files, clientCertCA: otherPki.files.clientCertCA };
    const client = createSenseClient({ cert: files });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, {
      ...sense,
      rejectUnauthorized: false,
    });
    await client.close();
    assert.equal(res.ok, true);
  });

  it('QRS trust mode never verifies the server and ignores the CA file', async () => {
    server.handler = json([{ id: 'x', name: 'y' }]);
    const files = { ...pki.files, clientCertCA: '/nonexistent/root.pem' };
    const client = createSenseClient({ cert: files });
    const res = await client.getJson(`${server.origin}/qrs/app?xrfkey=abc`, { ...sense, trust: 'qrs' });
    await client.close();
    assert.equal(res.ok, true);
  });

  it('classifies HTTP 500 with its status code', async () => {
    server.handler = json({ error: 'boom' }, 500);
    const client = createSenseClient({ cert: pki.files });
    const res = await client.getJson(`${server.origin}/engine/healthcheck?x=1`, sense);
    await client.close();
    assert.equal(!res.ok && res.failure.reason, 'http_status');
    assert.equal(!res.ok && res.failure.httpStatus, 500);
    assert.equal(!res.ok && res.failure.requestUrl, `${server.origin}/engine/healthcheck`);
  });

  it('classifies a non-JSON body as bad_body', async () => {
    server.handler = json('<html>not json</html>');
    const client = createSenseClient({ cert: pki.files });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, sense);
    await client.close();
    assert.equal(!res.ok && res.failure.reason, 'bad_body');
  });

  it('fails a body above the size limit as bad_body', async () => {
    server.handler = json({ big: 'x'.repeat(10_000) });
    const client = createSenseClient({ cert: pki.files, maxResponseBytes: 1000 });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, sense);
    await client.close();
    assert.equal(!res.ok && res.failure.reason, 'bad_body');
  });

  it('classifies a missing certificate file as cert_file, naming the file', async () => {
    const client = createSenseClient({ cert: { ...pki.files, clientCertKey: `${pki.dir}/missing_key.pem` } });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, sense);
    await client.close();
    assert.equal(!res.ok && res.failure.reason, 'cert_file');
    assert.equal(!res.ok && res.failure.file, `${pki.dir}/missing_key.pem`);
    assert.match(!res.ok ? res.failure.message : '', /cert\.clientCertKey.*missing_key\.pem/);
  });

  it('uses an encrypted key with its passphrase and never reveals the passphrase', async () => {
    server.handler = json({ ok: true });
    const encrypted = pki.writeEncryptedClientKey('s3cret-Pass');
    const good = createSenseClient({
      cert: { ...pki.files, clientCertKey: encrypted, clientCertPassphrase: 's3cret-Pass' },
    });
    assert.equal((await good.getJson(`${server.origin}/engine/healthcheck`, sense)).ok, true);
    await good.close();
    const bad = createSenseClient({
      cert: { ...pki.files, clientCertKey: encrypted, clientCertPassphrase: 'wrong-Pass' },
    });
    const res = await bad.getJson(`${server.origin}/engine/healthcheck`, sense);
    await bad.close();
    assert.equal(!res.ok && res.failure.reason, 'tls');
    assert.doesNotMatch(JSON.stringify(res), /wrong-Pass/);
  });

  it('reloads certificate files when they change (rotation without restart)', async () => {
    server.handler = json({ ok: true });
    const rotating = createTestPki('Rotating CA');
    const files = { ...rotating.files };
    const client = createSenseClient({ cert: files, certCheckIntervalMs: 0 });
    // Signed by another CA: the server rejects the client certificate.
    const before = await client.getJson(`${server.origin}/engine/healthcheck`, {
      ...sense,
      rejectUnauthorized: false,
    });
    assert.equal(before.ok, false);
    writeFileSync(files.clientCert, pki.clientCert);
    writeFileSync(files.clientCertKey, pki.clientKey);
    const future = new Date(Date.now() + 5000);
    utimesSync(files.clientCert, future, future);
    utimesSync(files.clientCertKey, future, future);
    const afterRotation = await client.getJson(`${server.origin}/engine/healthcheck`, {
      ...sense,
      rejectUnauthorized: false,
    });
    assert.equal(afterRotation.ok, true);
    const stats = client.stats();
    assert.equal(stats.certificateLoads, 2);
    await client.close();
    rotating.cleanup();
  });

  it('follows redirects', async () => {
    server.handler = (req, res) => {
      if (req.url === '/engine/healthcheck') {
        res.writeHead(302, { location: '/engine/healthcheck2' });
        res.end();
      } else json({ redirected: true })(req, res);
    };
    const client = createSenseClient({ cert: pki.files });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, sense);
    await client.close();
    assert.deepEqual(res.ok && res.body, { redirected: true });
  });
});

describe('Sense HTTPS client: rejected client certificate', () => {
  it('classifies a client certificate the server does not trust as tls', async () => {
    const pki = createTestPki();
    const foreign = createTestPki('Foreign CA');
    const server = await startTestHttpsServer(pki, json({}));
    const client = createSenseClient({ cert: { ...foreign.files, clientCertCA: pki.files.clientCertCA } });
    const res = await client.getJson(`${server.origin}/engine/healthcheck`, sense);
    await client.close();
    await server.close();
    pki.cleanup();
    foreign.cleanup();
    assert.equal(!res.ok && res.failure.reason, 'tls');
    assert.match(!res.ok ? res.failure.message : '', /client certificate/);
    assert.equal(!res.ok && res.failure.remoteAddress, '127.0.0.1');
  });
});

describe('Sense HTTPS client: shutdown', () => {
  it('close() does not wait for a hung request to time out', async () => {
    const pki = createTestPki();
    const server = await startTestHttpsServer(pki, () => {});
    const client = createSenseClient({ cert: pki.files });
    const pending = client.getJson(`${server.origin}/engine/healthcheck`, { ...sense, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await client.close();
    const res = await pending;
    assert.ok(Date.now() - started < 5000);
    assert.equal(res.ok, false);
    await server.close();
    pki.cleanup();
  });
});
