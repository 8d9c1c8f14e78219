/**
 * The audit API over HTTPS: an event is accepted over TLS 1.2 and 1.3 with the configured
 * certificate, answers carry Strict-Transport-Security, a TLS 1.1 client is refused at the
 * handshake, and plain HTTP to the TLS port gets no answer from the API.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureCertificates } from '../../../../sim/certs.ts';
import { viewEnvelope } from '../../../support/audit-envelopes.ts';
import { listeningLine, type TestAuditSource, testAuditSource } from './api-source.ts';

const folder = mkdtempSync(join(tmpdir(), 'audit-api-tls-'));

describe('audit API over HTTPS', () => {
  let api: TestAuditSource;
  let port = 0;
  let ca: Buffer;

  before(async () => {
    const certs = await ensureCertificates(join(folder, 'certs'), { dnsNames: [], ipAddresses: [] });
    ca = readFileSync(certs.clientCertCA);
    const tls = { enable: true, cert: certs.serverCert, key: certs.serverKey };
    api = testAuditSource({ port: 0, tls }, folder, 'spool');
    await api.source.start();
    const line = listeningLine(api.log);
    assert.match(line, /on https:\/\/127\.0\.0\.1:\d+\//);
    port = Number(/:(\d+)\//.exec(line)![1]);
  });

  after(async () => {
    await api?.source.stop(1000);
    rmSync(folder, { recursive: true, force: true });
  });

  const post = (tls: {
    minVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  }) =>
    new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/audit-event',
          method: 'POST',
          ca,
          // The client itself would allow old protocols; only the server can refuse them.
          ciphers: 'DEFAULT@SECLEVEL=0',
          ...tls,
          headers: { authorization: 'Bearer change-me', 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(viewEnvelope()));
    });

  test('TLS 1.2 and 1.3: 202 with Strict-Transport-Security; the event is emitted', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const answer = await post({ minVersion: version, maxVersion: version });
      assert.equal(answer.status, 202, version);
      assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    }
    const deadline = Date.now() + 5000;
    while (api.emitted.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(api.emitted.length, 2);
    assert.ok(api.log.lines.some((l) => l.message === 'AUDIT API: TLS minimum version: TLSv1.2'));
  });

  test('a TLS 1.1 client is refused at the handshake', async () => {
    await assert.rejects(post({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' }));
    assert.equal(api.emitted.filter((r) => r.kind === 'audit-event').length, 2);
  });

  test('plain HTTP to the TLS port is not answered by the API', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/test-connection' }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      });
      req.on('error', () => resolve('refused'));
      req.setTimeout(3000, () => {
        req.destroy();
        resolve('no answer');
      });
      req.end();
    });
    assert.ok(!outcome.startsWith('answered 2'), outcome);
  });
});
