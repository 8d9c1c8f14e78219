/**
 * Test certificates: a CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate, written as PEM files the way the QMC export names them. Keys come from
 * node:crypto (fast); node-forge builds and signs the X.509 certificates.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  files: { clientCert: string; clientCertKey: string; clientCertCA: string };
  /** Writes an encrypted copy of the client key; returns its path. */
  writeEncryptedClientKey(passphrase: string): string;
  cleanup(): void;
}

function keyPair(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { pem: privateKey, forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

let serial = 1;
function certificate(
  subjectCN: string,
  publicKey: forge.pki.rsa.PublicKey,
  signer: { key: forge.pki.rsa.PrivateKey; cert?: forge.pki.Certificate },
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
  const subject = [{ name: 'commonName', value: subjectCN }];
  cert.setSubject(subject);
  cert.setIssuer(signer.cert ? signer.cert.subject.attributes : subject);
  cert.setExtensions(extensions);
  cert.sign(signer.key, forge.md.sha256.create());
  return cert;
}

export function createTestPki(caName = 'Test Sense CA'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sense-pki-'));
  const ca = keyPair();
  const caCert = certificate(caName, ca.publicKey, { key: ca.forgeKey }, [
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  const server = keyPair();
  const serverCert = certificate('localhost', server.publicKey, { key: ca.forgeKey, cert: caCert }, [
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  const client = keyPair();
  const clientCert = certificate('QlikClient', client.publicKey, { key: ca.forgeKey, cert: caCert }, [
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  const pki = {
    dir,
    caCert: forge.pki.certificateToPem(caCert),
    serverCert: forge.pki.certificateToPem(serverCert),
    serverKey: server.pem,
    clientCert: forge.pki.certificateToPem(clientCert),
    clientKey: client.pem,
  };
  const files = {
    clientCert: join(dir, 'client.pem'),
    clientCertKey: join(dir, 'client_key.pem'),
    clientCertCA: join(dir, 'root.pem'),
  };
  writeFileSync(files.clientCert, pki.clientCert);
  writeFileSync(files.clientCertKey, pki.clientKey);
  writeFileSync(files.clientCertCA, pki.caCert);
  return {
    ...pki,
    files,
    writeEncryptedClientKey(passphrase: string): string {
      const path = join(dir, 'client_key_encrypted.pem');
      writeFileSync(
        path,
        forge.pki.encryptRsaPrivateKey(client.forgeKey, passphrase, { algorithm: 'aes256' }),
      );
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
