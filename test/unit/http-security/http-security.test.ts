/**
 * The parts of src/http-security one at a time: the web config file's checks, the Host
 * allow-list, the per-client rate limit, basic auth against bcrypt hashes and the throttled log
 * of refused requests. The servers using them are tested end to end in test/integration/web/.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { hashSync } from 'bcryptjs';
import { createBasicAuth, parseBasic } from '../../../src/http-security/basic-auth.ts';
import { hostCheck, hostName, isLoopbackHost } from '../../../src/http-security/hosts.ts';
import { createRateLimiter } from '../../../src/http-security/rate-limit.ts';
import { createRejectionLog, LOGGED_URL_MAX_CHARS } from '../../../src/http-security/rejection-log.ts';
import { WebConfigError, webConfigFromDocument } from '../../../src/http-security/web-config.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';

const HASH = hashSync('s3cret-pass', 4);

function problemsOf(document: unknown): string[] {
  try {
    webConfigFromDocument(document, '/etc/butler-sos/web.yml');
  } catch (error) {
    assert.ok(error instanceof WebConfigError);
    return error.problems;
  }
  return [];
}

describe('web config file', () => {
  test('TLS paths resolve against the file folder; users keep their hashes; empty is valid', () => {
    const config = webConfigFromDocument(
      {
        tls_server_config: {
          cert_file: 'tls/agent.crt',
          key_file: '/abs/agent.key',
          client_ca_file: 'ca.pem',
          client_auth_type: 'VerifyClientCertIfGiven',
          min_version: 'TLS13',
        },
        basic_auth_users: { prometheus: HASH },
      },
      '/etc/butler-sos/web.yml',
    );
    assert.deepEqual(config.tls, {
      certFile: '/etc/butler-sos/tls/agent.crt',
      keyFile: '/abs/agent.key',
      clientCaFile: '/etc/butler-sos/ca.pem',
      clientAuth: 'VerifyClientCertIfGiven',
      minVersion: 'TLSv1.3',
    });
    assert.deepEqual(config.users, { prometheus: HASH });
    assert.deepEqual(webConfigFromDocument(null, '/x.yml'), { file: '/x.yml', users: {} });
  });

  test('every problem is named with its key, and no hash or password is echoed', () => {
    const problems = problemsOf({
      tls_server_config: {
        cert_file: 'a.crt',
        client_auth_type: 'RequireAnyClientCert',
        min_version: 'TLS10',
      },
      basic_auth_users: { admin: 'plain-password', 'a:b': HASH },
      http_server_config: { http2: true },
      rate_limit: { interval: '1s' },
      typo_key: 1,
    });
    assert.deepEqual(problems.sort(), [
      'basic_auth_users.admin is not a bcrypt hash ($2y$10$... as htpasswd -nBC 10 prints)',
      'basic_auth_users: user name "a:b" must not contain ":"',
      'http_server_config is not supported: HTTP/2 and custom headers are not offered',
      'rate_limit is not supported: use httpSecurity.rateLimitPerMinute in the Butler SOS config',
      'tls_server_config.client_auth_type "RequireAnyClientCert" is not supported (one of NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)',
      'tls_server_config.key_file is required',
      'tls_server_config.min_version "TLS10" is not supported (TLS12 or TLS13)',
      'unknown key typo_key',
    ]);
    assert.ok(!problems.join().includes('plain-password'));
    assert.deepEqual(
      problemsOf({ tls_server_config: { cert_file: 'a', key_file: 'b', client_ca_file: 'c' } }),
      ['tls_server_config.client_ca_file is set but client_auth_type does not verify client certificates'],
    );
  });
});

describe('Host allow-list', () => {
  test('loopback addresses and names', () => {
    for (const h of [
      '127.0.0.1',
      '127.9.9.9',
      '::1',
      '[::1]',
      'localhost',
      'app.localhost',
      '::ffff:127.0.0.1',
    ]) {
      assert.ok(isLoopbackHost(h), h);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) assert.ok(!isLoopbackHost(h), h);
    assert.equal(hostName('Example.COM.:8080'), 'example.com');
    assert.equal(hostName('[::1]:3100'), '::1');
  });

  test('on loopback: IPs, localhost, this machine and the configured names pass; others do not', () => {
    const allowed = hostCheck('127.0.0.1', ['sos.example.net']);
    for (const h of [
      '127.0.0.1:3100',
      '[::1]:3100',
      'localhost:3100',
      'SOS.example.net',
      hostname(),
      '10.1.2.3',
    ]) {
      assert.ok(allowed(h), h);
    }
    assert.ok(allowed(undefined), 'HTTP/1.0 without Host');
    assert.ok(!allowed('rebind.attacker.example:3100'));
    assert.ok(hostCheck('127.0.0.1', ['*'])('anything.example'));
  });

  test('beyond loopback any name passes until allowedHosts lists some', () => {
    assert.ok(hostCheck('0.0.0.0', [])('scrape-alias.example'));
    assert.ok(!hostCheck('0.0.0.0', ['sos.example.net'])('scrape-alias.example'));
  });
});

describe('rate limit', () => {
  test('per client: one client using up its bucket leaves the others theirs; tokens come back', () => {
    let t = 0;
    const limiter = createRateLimiter({ perMinute: 60, now: () => t });
    const script = { address: '127.0.0.1', identity: 'agent curl' };
    const browser = { address: '127.0.0.1', identity: 'agent Mozilla' };
    let passed = 0;
    for (let i = 0; i < 100; i++) if (limiter.take(script)) passed++;
    assert.equal(passed, 60);
    assert.equal(limiter.retryAfterSeconds(script), 1);
    assert.ok(limiter.take(browser));
    t += 1000;
    assert.ok(limiter.take(script), 'one token a second comes back');
    assert.ok(!limiter.take(script));
  });

  test('buckets are bounded in number and per address', () => {
    const limiter = createRateLimiter({ perMinute: 5, maxBuckets: 100, bucketsPerAddress: 3 });
    for (let i = 0; i < 50; i++) limiter.take({ address: '10.0.0.1', identity: `agent ${i}` });
    assert.equal(limiter.size, 4, 'three own buckets, then one shared by the rest of that address');
    for (let i = 0; i < 500; i++) limiter.take({ address: `10.1.${i >> 8}.${i & 255}`, identity: '' });
    assert.equal(limiter.size, 100);
  });
});

describe('basic auth', () => {
  test('right password passes (then is remembered), wrong or unknown fails, missing is missing', async () => {
    const auth = createBasicAuth({ users: { prometheus: HASH } });
    const header = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    assert.deepEqual(await auth.check(header('prometheus', 's3cret-pass')), { ok: true, user: 'prometheus' });
    assert.deepEqual(await auth.check(header('prometheus', 's3cret-pass')), { ok: true, user: 'prometheus' });
    assert.deepEqual(await auth.check(header('prometheus', 'wrong')), {
      ok: false,
      reason: 'invalid',
      user: 'prometheus',
    });
    assert.equal((await auth.check(header('nobody', 's3cret-pass'))).ok, false);
    assert.deepEqual(await auth.check(undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(await auth.check('Bearer abc'), { ok: false, reason: 'missing' });
    assert.deepEqual(parseBasic(header('a', 'b:c')), { user: 'a', password: 'b:c' });
  });

  test('at most maxConcurrent bcrypt checks run at once; the rest are told to retry', async () => {
    const auth = createBasicAuth({ users: { u: HASH }, maxConcurrent: 2 });
    const header = `Basic ${Buffer.from('u:guess').toString('base64')}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => auth.check(header)));
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.reason)),
      ['invalid', 'invalid', 'busy', 'busy', 'busy'],
    );
  });
});

describe('log of refused requests', () => {
  test('first refusal per reason in full (URL redacted and cut), the rest summed up', () => {
    const log = createRecordingLogger();
    const rejections = createRejectionLog({ label: 'WEB UI', log, intervalMs: 60_000 });
    const url = `/api/events?token=tok-123456789&pad=${'a'.repeat(15_000)}`;
    for (let i = 0; i < 1000; i++)
      rejections.note({ reason: 'rate limit', ip: '10.0.0.9', method: 'GET', url });
    rejections.note({
      reason: 'host not allowed',
      ip: '10.0.0.9',
      method: 'GET',
      url: '/',
      detail: 'Host evil',
    });
    rejections.close();
    const lines = log.lines.map((l) => l.message);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(
      lines[0]!,
      /^WEB UI: Rate limit exceeded for source IP address 10\.0\.0\.9\. Method=GET, endpoint=/,
    );
    assert.ok(lines[0]!.length < LOGGED_URL_MAX_CHARS + 120, `${lines[0]!.length} characters`);
    assert.ok(!lines.join().includes('tok-123456789'));
    assert.match(lines[1]!, /request refused \(host not allowed, Host evil\)/);
    assert.match(lines[2]!, /^WEB UI: 999 more request\(s\) refused \(rate limit\) in the last 60 s$/);
  });
});
