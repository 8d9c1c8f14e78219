/**
 * Certificates for the simulator, laid out like the set a Sense administrator exports from
 * the QMC: `root.pem` (the CA), `client.pem` and `client_key.pem`. The CA key
 * (`root_key.pem`) and the simulator's own server certificate (`server.pem`,
 * `server_key.pem`) are kept next to them. Existing files are reused, so a config that points
 * at them keeps working across restarts; only the server certificate is re-issued when it
 * does not cover every address the simulator listens on.
 *
 * Keys come from node:crypto (fast, native); node-forge builds and signs the X.509
 * certificates, which node:crypto cannot do.
 */
import { createPrivateKey, generateKeyPair, X509Certificate } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface CertificatePaths {
  /** `root.pem`: the CA, config key `cert.clientCertCA`. */
  clientCertCA: string;
  /** `client.pem`, config key `cert.clientCert`. */
  clientCert: string;
  /** `client_key.pem`, config key `cert.clientCertKey`. */
  clientCertKey: string;
  /** `root_key.pem`: the CA's private key; never needed by the agent. */
  caKey: string;
  /** `server.pem` / `server_key.pem`: what the simulated Sense services present. */
  serverCert: string;
  serverKey: string;
}

export interface ServerIdentity {
  /** DNS names for the server certificate's subjectAltName (localhost is always added). */
  dnsNames: string[];
  /** IP addresses for the subjectAltName (127.0.0.1 is always added). */
  ipAddresses: string[];
}

interface KeyPair {
  privatePem: string;
  publicPem: string;
}

async function newRsaKey(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    // PKCS#1 ("BEGIN RSA PRIVATE KEY") is what the QMC export writes.
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

let serialCounter = 0;
function serialNumber(): string {
  // Positive, unique enough across certificates made by this process and earlier runs.
  serialCounter += 1;
  return `01${Date.now().toString(16)}${serialCounter.toString(16).padStart(4, '0')}`;
}

interface IssueOptions {
  subjectCN: string;
  key: KeyPair;
  issuer: { cert: forge.pki.Certificate; privatePem: string } | null;
  extensions: object[];
  years: number;
}

function issue(options: IssueOptions): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.key.publicPem);
  cert.serialNumber = serialNumber();
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + options.years * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: options.subjectCN }]);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : cert.subject.attributes);
  cert.setExtensions(options.extensions);
  const signingKey = forge.pki.privateKeyFromPem(options.issuer?.privatePem ?? options.key.privatePem);
  cert.sign(signingKey, forge.md.sha256.create());
  return cert;
}

async function makeCa(commonName: string): Promise<{ cert: forge.pki.Certificate; key: KeyPair }> {
  const key = await newRsaKey();
  const cert = issue({
    subjectCN: commonName,
    key,
    issuer: null,
    years: 10,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
  });
  return { cert, key };
}

/** A five-year end-entity certificate signed by the CA, with a fresh key. */
async function makeLeaf(
  ca: { cert: forge.pki.Certificate; privatePem: string },
  subjectCN: string,
  extraExtensions: object[],
) {
  const key = await newRsaKey();
  const cert = issue({
    subjectCN,
    key,
    issuer: ca,
    years: 5,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      ...extraExtensions,
    ],
  });
  return { cert, key };
}

function makeClient(ca: { cert: forge.pki.Certificate; privatePem: string }) {
  // Sense's exported client certificate is issued to "QlikClient".
  return makeLeaf(ca, 'QlikClient', [{ name: 'extKeyUsage', clientAuth: true }]);
}

function makeServer(ca: { cert: forge.pki.Certificate; privatePem: string }, identity: ServerIdentity) {
  const altNames = [
    ...identity.dnsNames.map((value) => ({ type: 2, value })),
    ...identity.ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
  return makeLeaf(ca, identity.dnsNames[0] ?? 'localhost', [
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function writePrivate(path: string, pem: string): Promise<void> {
  await writeFile(path, pem, { mode: 0o600 });
}

function normaliseIdentity(identity: ServerIdentity): ServerIdentity {
  const dnsNames = [...new Set(['localhost', ...identity.dnsNames])];
  const ipAddresses = [...new Set(['127.0.0.1', ...identity.ipAddresses])];
  for (const ip of ipAddresses) if (isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`);
  return { dnsNames, ipAddresses };
}

/** True when the PEM certificate's subjectAltName lists every name and address wanted. */
function coversIdentity(certPem: string, identity: ServerIdentity): boolean {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  const entries = new Set(san.split(',').map((s) => s.trim()));
  return (
    identity.dnsNames.every((d) => entries.has(`DNS:${d}`)) &&
    identity.ipAddresses.every((ip) => entries.has(`IP Address:${ip}`))
  );
}

/**
 * Makes sure `dir` holds a CA, a client certificate and a server certificate covering
 * `identity`; creates what is missing and reuses the rest.
 */
export async function ensureCertificates(dir: string, identity: ServerIdentity): Promise<CertificatePaths> {
  await mkdir(dir, { recursive: true });
  const paths: CertificatePaths = {
    clientCertCA: join(dir, 'root.pem'),
    caKey: join(dir, 'root_key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientCertKey: join(dir, 'client_key.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server_key.pem'),
  };
  const wanted = normaliseIdentity(identity);

  let ca: { cert: forge.pki.Certificate; privatePem: string };
  const haveCa = await exists(paths.clientCertCA);
  if (haveCa) {
    if (!(await exists(paths.caKey))) {
      throw new Error(
        `${paths.clientCertCA} exists but its key ${paths.caKey} is missing: cannot issue certificates; ` +
          'use an empty certificate directory',
      );
    }
    ca = {
      cert: forge.pki.certificateFromPem(await readFile(paths.clientCertCA, 'utf8')),
      privatePem: await readFile(paths.caKey, 'utf8'),
    };
  } else {
    const made = await makeCa('Butler SOS simulator CA');
    ca = { cert: made.cert, privatePem: made.key.privatePem };
    await writePrivate(paths.caKey, made.key.privatePem);
    await writeFile(paths.clientCertCA, forge.pki.certificateToPem(made.cert));
  }

  // A new CA invalidates any certificate issued by a previous one.
  if (!haveCa || !(await exists(paths.clientCert)) || !(await exists(paths.clientCertKey))) {
    const client = await makeClient(ca);
    await writePrivate(paths.clientCertKey, client.key.privatePem);
    await writeFile(paths.clientCert, forge.pki.certificateToPem(client.cert));
  }

  const serverUsable =
    haveCa &&
    (await exists(paths.serverCert)) &&
    (await exists(paths.serverKey)) &&
    coversIdentity(await readFile(paths.serverCert, 'utf8'), wanted);
  if (!serverUsable) {
    const server = await makeServer(ca, wanted);
    await writePrivate(paths.serverKey, server.key.privatePem);
    await writeFile(paths.serverCert, forge.pki.certificateToPem(server.cert));
  }
  return paths;
}

/**
 * A second, unrelated CA with its own client certificate, written to `dir` (`root.pem`,
 * `client.pem`, `client_key.pem`). For tests proving that the simulator refuses a
 * certificate its CA did not issue.
 */
export async function createForeignClientCertificate(
  dir: string,
): Promise<{ clientCert: string; clientCertKey: string; clientCertCA: string }> {
  await mkdir(dir, { recursive: true });
  const made = await makeCa('Unrelated CA');
  const ca = { cert: made.cert, privatePem: made.key.privatePem };
  const client = await makeClient(ca);
  const out = {
    clientCertCA: join(dir, 'root.pem'),
    clientCert: join(dir, 'client.pem'),
    clientCertKey: join(dir, 'client_key.pem'),
  };
  await writeFile(out.clientCertCA, forge.pki.certificateToPem(made.cert));
  await writeFile(out.clientCert, forge.pki.certificateToPem(client.cert));
  await writePrivate(out.clientCertKey, client.key.privatePem);
  return out;
}

/**
 * Writes the client key of `certDir` encrypted with `passphrase` (PKCS#8, AES-256-CBC) as
 * `client_key_encrypted.pem`, for testing `cert.clientCertPassphrase`. Returns its path.
 */
export async function writeEncryptedClientKey(certDir: string, passphrase: string): Promise<string> {
  if (passphrase === '') throw new Error('the passphrase must not be empty');
  const key = createPrivateKey(await readFile(join(certDir, 'client_key.pem'), 'utf8'));
  const path = join(certDir, 'client_key_encrypted.pem');
  const pem = key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase });
  await writePrivate(path, String(pem));
  return path;
}
