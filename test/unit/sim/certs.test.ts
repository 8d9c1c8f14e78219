import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createForeignClientCertificate, ensureCertificates } from '../../../sim/certs.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-certs-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const x509 = async (path: string) => new X509Certificate(await readFile(path, 'utf8'));

test('creates a CA, a client certificate it signed, and a server certificate for every address', async () => {
  const certDir = join(dir, 'a');
  const paths = await ensureCertificates(certDir, {
    dnsNames: ['sense-node-1', 'sense-node-2'],
    ipAddresses: ['127.0.0.2'],
  });
  const ca = await x509(paths.clientCertCA);
  const client = await x509(paths.clientCert);
  const server = await x509(paths.serverCert);
  assert.ok(ca.ca, 'root.pem is a CA');
  assert.ok(client.verify(ca.publicKey), 'client.pem is signed by root.pem');
  assert.ok(server.verify(ca.publicKey), 'server.pem is signed by root.pem');
  assert.match(client.subject, /CN=QlikClient/);
  for (const ip of ['127.0.0.1', '127.0.0.2']) assert.equal(server.checkIP(ip), ip);
  for (const host of ['localhost', 'sense-node-1', 'sense-node-2'])
    assert.equal(server.checkHost(host), host);
  assert.equal(server.checkIP('127.0.0.9'), undefined);

  // Reused as is when nothing new is needed.
  const again = await ensureCertificates(certDir, { dnsNames: ['sense-node-1'], ipAddresses: ['127.0.0.2'] });
  assert.equal((await x509(again.serverCert)).fingerprint256, server.fingerprint256);

  // More nodes: only the server certificate is re-issued; CA and client stay.
  const more = await ensureCertificates(certDir, { dnsNames: ['sense-node-3'], ipAddresses: ['127.0.0.3'] });
  const reissued = await x509(more.serverCert);
  assert.notEqual(reissued.fingerprint256, server.fingerprint256);
  assert.equal(reissued.checkIP('127.0.0.3'), '127.0.0.3');
  assert.equal((await x509(more.clientCertCA)).fingerprint256, ca.fingerprint256);
  assert.equal((await x509(more.clientCert)).fingerprint256, client.fingerprint256);
});

test('a CA without its key is reported, not silently replaced', async () => {
  const certDir = join(dir, 'b');
  const paths = await ensureCertificates(certDir, { dnsNames: [], ipAddresses: [] });
  await unlink(paths.caKey);
  await unlink(paths.serverCert);
  await assert.rejects(
    ensureCertificates(certDir, { dnsNames: [], ipAddresses: [] }),
    /root_key\.pem is missing/,
  );
  await assert.rejects(
    ensureCertificates(join(dir, 'c'), { dnsNames: [], ipAddresses: ['not-an-ip'] }),
    /not an IP/,
  );
});

test('the foreign client certificate is not signed by the simulator CA', async () => {
  const ours = await ensureCertificates(join(dir, 'd'), { dnsNames: [], ipAddresses: [] });
  const theirs = await createForeignClientCertificate(join(dir, 'foreign'));
  const client = await x509(theirs.clientCert);
  assert.ok(client.verify((await x509(theirs.clientCertCA)).publicKey));
  assert.ok(!client.verify((await x509(ours.clientCertCA)).publicKey));
});
