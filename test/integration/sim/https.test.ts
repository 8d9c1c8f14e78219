import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createForeignClientCertificate,
  type RunningSimulator,
  startSimulator,
  writeEncryptedClientKey,
} from '../../../sim/index.ts';

/** A Sense API answer from test/fixtures/sense/: the real APIs' field names and types. */
const FIXTURES = new URL('../../fixtures/sense/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));

interface Creds {
  clientCert: string;
  clientCertKey: string;
  clientCertCA: string;
}
interface Answer {
  status: number;
  body: string;
}

function get(
  hostPort: string,
  path: string,
  opts: {
    creds?: Creds | null;
    headers?: Record<string, string>;
    timeoutMs?: number;
    passphrase?: string;
  } = {},
): Promise<Answer> {
  const [host, port] = hostPort.split(':') as [string, string];
  const creds = opts.creds === undefined ? sim.certFiles : opts.creds;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        path,
        method: 'GET',
        agent: false,
        headers: opts.headers ?? {},
        // Trust anchor is always the simulator's CA; the client certificate varies.
        ca: readFileSync(sim.certFiles.clientCertCA),
        rejectUnauthorized: true,
        ...(creds ? { cert: readFileSync(creds.clientCert), key: readFileSync(creds.clientCertKey) } : {}),
        ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

const XRF = 'abcdefghij987654';
const withXrf = { headers: { 'X-Qlik-Xrfkey': XRF } };

let dir: string;
let sim: RunningSimulator;
let foreign: Creds;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-https-'));
  [sim, foreign] = await Promise.all([
    startSimulator({
      certDir: join(dir, 'certs'),
      servers: 2,
      enginePort: 0,
      proxyPort: 0,
      qrsPort: 0,
      seed: 5,
    }),
    createForeignClientCertificate(join(dir, 'foreign')),
  ]);
});

after(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The JSON type skeleton of a value: same keys, typeof at the leaves, arrays by their first element. */
function skeleton(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [skeleton(value[0])] : [];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, skeleton(v)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

test('the certificate files carry the names Sense exports, with private keys not world-readable', async () => {
  assert.deepEqual(
    [sim.certFiles.clientCert, sim.certFiles.clientCertKey, sim.certFiles.clientCertCA].map((p) =>
      p.split('/').pop(),
    ),
    ['client.pem', 'client_key.pem', 'root.pem'],
  );
  assert.match(await readFile(sim.certFiles.clientCertKey, 'utf8'), /BEGIN RSA PRIVATE KEY/);
  const { statSync } = await import('node:fs');
  assert.equal(statSync(sim.certFiles.clientCertKey).mode & 0o077, 0);
  assert.equal(statSync(sim.certificates.caKey).mode & 0o077, 0);
});

test('a connection without a client certificate is refused during the TLS handshake', async () => {
  for (const host of [sim.servers[0]!.engineHost, sim.servers[0]!.proxyHost, sim.qrsHost]) {
    await assert.rejects(get(host, '/engine/healthcheck', { creds: null }), (err: NodeJS.ErrnoException) => {
      assert.ok(
        ['ECONNRESET', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'EPROTO'].includes(err.code ?? ''),
        String(err.code),
      );
      return true;
    });
  }
});

test('a client certificate from another CA is refused', async () => {
  for (const host of [sim.servers[1]!.engineHost, sim.servers[1]!.proxyHost, sim.qrsHost]) {
    await assert.rejects(
      get(host, '/engine/healthcheck', { creds: foreign }),
      (err: NodeJS.ErrnoException) => {
        assert.ok(
          ['ECONNRESET', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'EPROTO'].includes(err.code ?? ''),
          String(err.code),
        );
        return true;
      },
    );
  }
});

test('engine healthcheck has the shape of the healthcheck fixture and changes between polls', async () => {
  const first = await get(sim.servers[0]!.engineHost, '/engine/healthcheck');
  assert.equal(first.status, 200);
  const a = JSON.parse(first.body);
  assert.deepEqual(skeleton(a), skeleton(fixture('engine-healthcheck.json')));
  const polls = [a];
  for (let i = 0; i < 5; i++)
    polls.push(JSON.parse((await get(sim.servers[0]!.engineHost, '/engine/healthcheck')).body));
  assert.ok(new Set(polls.map((p) => p.mem.committed)).size > 1, 'memory changes');
  assert.ok(polls.at(-1).apps.calls > a.apps.calls, 'calls grow');
  assert.equal(a.started, polls.at(-1).started, 'start time is stable');
});

test('proxy sessions per virtual proxy have the session fixture’s shape; unknown virtual proxies are 404', async () => {
  const expected = skeleton((fixture('proxy-sessions.json') as unknown[])[0]);
  let seen = 0;
  for (const server of sim.servers) {
    for (let i = 0; i < 5; i++) {
      for (const path of ['/qps/session', '/qps/hdr/session']) {
        const res = await get(server.proxyHost, `${path}?Xrfkey=${XRF}`, withXrf);
        assert.equal(res.status, 200);
        const sessions = JSON.parse(res.body) as Record<string, unknown>[];
        assert.ok(Array.isArray(sessions));
        for (const s of sessions) {
          // Attributes may be empty; compare the keys and the leaf types.
          assert.deepEqual(Object.keys(s).sort(), Object.keys(expected as object).sort());
          assert.equal(typeof s.UserDirectory, 'string');
          assert.equal(typeof s.UserId, 'string');
          assert.equal(typeof s.SessionId, 'string');
          assert.ok(Array.isArray(s.Attributes));
          seen += 1;
        }
      }
    }
  }
  assert.ok(seen > 0, 'some sessions exist');
  const missing = await get(sim.servers[0]!.proxyHost, `/qps/nope/session?Xrfkey=${XRF}`, withXrf);
  assert.equal(missing.status, 404);
});

test('the QRS lists every node’s apps with the fixture’s entity shape and the ids the engines report', async () => {
  const res = await get(sim.qrsHost, `/qrs/app?xrfkey=${XRF}`, withXrf);
  assert.equal(res.status, 200);
  const apps = JSON.parse(res.body) as { id: string; name: string; stream: unknown }[];
  const fixtureApps = fixture('qrs-apps.json') as Record<string, unknown>[];
  const published = skeleton(fixtureApps.find((a) => a.published === true));
  const unpublished = skeleton(fixtureApps.find((a) => a.published === false));
  for (const app of apps) {
    const shape = JSON.stringify(skeleton(app));
    assert.ok(shape === JSON.stringify(published) || shape === JSON.stringify(unpublished), shape);
  }
  const ids = new Set(apps.map((a) => a.id));
  for (const server of sim.servers) for (const app of server.apps) assert.ok(ids.has(app.id));
  assert.equal(
    ids.size,
    sim.servers.reduce((n, s) => n + s.apps.length, 0),
  );
  for (let i = 0; i < 5; i++) {
    const health = JSON.parse((await get(sim.servers[1]!.engineHost, '/engine/healthcheck')).body);
    for (const doc of health.apps.in_memory_docs as string[]) {
      assert.ok(doc.startsWith('SessionApp_') || sim.servers[1]!.apps.some((a) => a.id === doc), doc);
    }
  }
});

test('xrfkey is enforced on the proxy and QRS APIs as Sense does', async () => {
  const cases: [string, Record<string, string>, number][] = [
    [`?Xrfkey=${XRF}`, { 'X-Qlik-Xrfkey': XRF }, 200],
    [`?xrfkey=${XRF}`, { 'x-qlik-xrfkey': XRF }, 200],
    ['', {}, 403],
    [`?Xrfkey=${XRF}`, {}, 403],
    ['', { 'X-Qlik-Xrfkey': XRF }, 403],
    [`?Xrfkey=${XRF}`, { 'X-Qlik-Xrfkey': 'abcdefghij987655' }, 403],
    ['?Xrfkey=short', { 'X-Qlik-Xrfkey': 'short' }, 403],
  ];
  for (const [query, headers, status] of cases) {
    const proxy = await get(sim.servers[0]!.proxyHost, `/qps/session${query}`, { headers });
    assert.equal(proxy.status, status, `proxy ${query} ${JSON.stringify(headers)}`);
    const qrs = await get(sim.qrsHost, `/qrs/app${query}`, { headers });
    assert.equal(qrs.status, status, `qrs ${query} ${JSON.stringify(headers)}`);
    if (status === 403) assert.match(qrs.body, /XSRF prevention check failed/);
  }
  // The engine healthcheck needs no xrfkey.
  assert.equal((await get(sim.servers[0]!.engineHost, '/engine/healthcheck')).status, 200);
});

test('failure modes: refused, HTTP 500, broken JSON, no answer; then service returns', async () => {
  const server = sim.servers[1]!;
  const health = () => get(server.engineHost, '/engine/healthcheck', { timeoutMs: 400 });
  const sessions = () => get(server.proxyHost, `/qps/session?Xrfkey=${XRF}`, { ...withXrf, timeoutMs: 400 });

  await server.setFailure('refuse');
  await assert.rejects(health(), { code: 'ECONNREFUSED' });
  await assert.rejects(sessions(), { code: 'ECONNREFUSED' });
  assert.equal(
    (await get(sim.servers[0]!.engineHost, '/engine/healthcheck')).status,
    200,
    'other nodes unaffected',
  );

  await server.setFailure('http500');
  assert.equal((await health()).status, 500);
  assert.equal((await sessions()).status, 500);

  await server.setFailure('badjson');
  const bad = await health();
  assert.equal(bad.status, 200);
  assert.throws(() => JSON.parse(bad.body));

  await server.setFailure('timeout');
  await assert.rejects(health(), /client timeout/);

  await server.setFailure(null);
  assert.equal((await health()).status, 200);
  assert.equal((await sessions()).status, 200);
  assert.equal(server.lastError, null);

  await sim.setQrsFailure('http500');
  assert.equal((await get(sim.qrsHost, `/qrs/app?xrfkey=${XRF}`, withXrf)).status, 500);
  await sim.setQrsFailure(null);
  assert.equal((await get(sim.qrsHost, `/qrs/app?xrfkey=${XRF}`, withXrf)).status, 200);
});

test('a second start on the same folder reuses the CA and client certificate', async () => {
  const before = await readFile(sim.certFiles.clientCertCA, 'utf8');
  const clientBefore = await readFile(sim.certFiles.clientCert, 'utf8');
  const again = await startSimulator({
    certDir: join(dir, 'certs'),
    enginePort: 0,
    proxyPort: 0,
    qrsPort: 0,
  });
  try {
    assert.equal(await readFile(again.certFiles.clientCertCA, 'utf8'), before);
    assert.equal(await readFile(again.certFiles.clientCert, 'utf8'), clientBefore);
    assert.equal((await get(again.servers[0]!.engineHost, '/engine/healthcheck')).status, 200);
  } finally {
    await again.stop();
  }
});

test('an encrypted copy of the client key works with its passphrase only', async () => {
  const keyPath = await writeEncryptedClientKey(join(dir, 'certs'), 'open sesame');
  assert.match(await readFile(keyPath, 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  const creds = { ...sim.certFiles, clientCertKey: keyPath };
  const ok = await get(sim.servers[0]!.engineHost, '/engine/healthcheck', {
    creds,
    passphrase: 'open sesame',
  });
  assert.equal(ok.status, 200);
  await assert.rejects(
    get(sim.servers[0]!.engineHost, '/engine/healthcheck', { creds, passphrase: 'wrong' }),
  );
});

test('bad options are refused with a clear error', async () => {
  const certDir = join(dir, 'certs');
  await assert.rejects(startSimulator({ certDir, servers: 0 }), /servers must be/);
  await assert.rejects(startSimulator({ certDir, enginePort: 70000 }), /enginePort must be/);
  await assert.rejects(startSimulator({ certDir, virtualProxies: ['hdr/'] }), /virtual proxy "hdr\/"/);
  await assert.rejects(startSimulator({ certDir, rate: -1 }), /rate must be/);
  await assert.rejects(startSimulator({ certDir, badFraction: 2 }), /badFraction must be/);
  await assert.rejects(
    startSimulator({ certDir, udpLog: { host: '127.0.0.1', port: 0 } }),
    /udpLog\.port must be/,
  );
});
