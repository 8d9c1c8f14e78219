/**
 * The audit API over real HTTP on loopback: the order of checks, every answer's status and
 * body, CORS, the per-IP rate limit, the queue rate limit, security headers, and what reaches
 * the router (only accepted events, coerced as upstream coerces them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { postEnvelope, selectionEnvelope, viewEnvelope } from '../../../support/audit-envelopes.ts';
import { listeningLine, type TestAuditSource, testAuditSource } from './api-source.ts';

const folder = mkdtempSync(join(tmpdir(), 'audit-api-server-'));
after(() => rmSync(folder, { recursive: true, force: true }));

interface Running extends TestAuditSource {
  origin: string;
}

async function startApi(audit: Record<string, unknown>, name: string): Promise<Running> {
  const api = testAuditSource({ port: 0, ...audit }, folder, name);
  await api.source.start();
  const origin = /on (http:\/\/[^/]+)\//.exec(listeningLine(api.log))![1]!;
  return { ...api, origin };
}

const raw = (
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
) =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });

describe('audit API answers', async () => {
  const api = await startApi({ cors: { allowedOrigins: ['https://sense.example'] } }, 'answers');
  after(() => api.source.stop(1000));

  test('202 has exactly status, receivedAt, outcome; the record reaches the router coerced', async () => {
    const envelope = { ...selectionEnvelope(), correlationId: 42 };
    const answer = await postEnvelope(api.origin, envelope);
    assert.equal(answer.status, 202);
    assert.deepEqual(Object.keys(answer.body), ['status', 'receivedAt', 'outcome']);
    assert.equal(answer.body.status, 'accepted');
    assert.equal(answer.body.outcome, 'processed');
    await waitFor(() => api.emitted.length === 1);
    const record = api.emitted[0]!;
    assert.equal(record.kind, 'audit-event');
    if (record.kind !== 'audit-event') return;
    assert.equal(record.envelope.correlationId, '42');
    assert.deepEqual(record.extras.selectionDetails, [
      { qField: 'Quarter', qSelectedCount: 1, qSelected: 'Q1' },
    ]);
    assert.equal(record.identity.userId, 'm.berg');
    assert.equal(record.timeMs, Date.parse('2026-03-02T08:15:30.250Z'));
  });

  test('schema before token: a malformed body without a token is 400, a good one 401', async () => {
    const bad = await postEnvelope(api.origin, { eventId: 'x' }, {}, '');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.reason, 'Schema validation failed');
    assert.deepEqual(bad.body.details, {
      errors: [
        {
          instancePath: '',
          message: "must have required property 'schemaVersion'",
          params: { missingProperty: 'schemaVersion' },
        },
      ],
    });
    const noToken = await postEnvelope(api.origin, viewEnvelope(), {}, '');
    assert.equal(noToken.status, 401);
    assert.deepEqual([noToken.body.outcome, noToken.body.reason], ['dropped', 'Unauthorized']);
    assert.equal(
      (await postEnvelope(api.origin, viewEnvelope(), { authorization: 'Basic Y2hhbmdlLW1lOng=' }, ''))
        .status,
      401,
    );
    assert.equal((await postEnvelope(api.origin, viewEnvelope(), {}, 'change-me-not')).status, 401);
    assert.equal(
      (await postEnvelope(api.origin, viewEnvelope(), { authorization: 'bEaReR   change-me  ' }, '')).status,
      202,
    );
  });

  test('unknown path: 401 without a token, 404 with one; trailing slash is another path', async () => {
    assert.equal((await raw(api.origin, 'GET', '/nope')).status, 401);
    const found = await raw(api.origin, 'GET', '/api/v1/audit-event/', { authorization: 'Bearer change-me' });
    assert.equal(found.status, 404);
    assert.deepEqual(JSON.parse(found.body), {
      message: 'Route GET:/api/v1/audit-event/ not found',
      error: 'Not Found',
      statusCode: 404,
    });
  });

  test('media types: text/plain is a schema failure (400), others 415; too large 413', async () => {
    const text = await postEnvelope(api.origin, JSON.stringify(viewEnvelope()), {
      'content-type': 'text/plain; charset=utf-8',
    });
    assert.deepEqual([text.status, text.body.reason], [400, 'Schema validation failed']);
    for (const type of ['application/x-www-form-urlencoded', 'application/vnd.api+json']) {
      const answer = await postEnvelope(api.origin, '{}', { 'content-type': type });
      assert.deepEqual(
        [answer.status, answer.body.outcome, answer.body.reason],
        [415, 'error', 'An unexpected error occurred'],
      );
    }
    const big = await postEnvelope(
      api.origin,
      JSON.stringify({ ...viewEnvelope(), pad: 'x'.repeat(1024 * 1024) }),
    );
    assert.equal(big.status, 413);
  });

  test('422 answers: constraints (all), version, payload (all)', async () => {
    const c = await postEnvelope(api.origin, selectionEnvelope({ eventId: '0f6b1c2e', type: 'nope' }));
    assert.equal(c.status, 422);
    assert.equal(c.body.reason, 'One or more constraint violations');
    assert.equal((c.body.details as { errors: unknown[] }).errors.length, 2);
    const v = await postEnvelope(api.origin, selectionEnvelope(), { 'x-audit-qs-version': '0.5.0' });
    assert.deepEqual(v.body.details, {
      butlerSosVersion: '15.0.1',
      auditQsVersion: '0.5.0',
      compatible: false,
    });
    const p = await postEnvelope(api.origin, selectionEnvelope({ payload: { event: {} } }));
    assert.deepEqual([p.status, p.body.reason], [422, 'Payload validation failed']);
  });

  test('hostile input gets a 4xx and never reaches a destination', async () => {
    const before = api.emitted.length;
    const answers = await Promise.all([
      postEnvelope(api.origin, '{"schemaVersion":1,"payload":{"__proto__":{"polluted":1}}}'),
      postEnvelope(api.origin, `{"a":${'['.repeat(100)}${']'.repeat(100)}}`),
      postEnvelope(api.origin, `{"a":[${'1,'.repeat(20_000)}1]}`),
      postEnvelope(
        api.origin,
        Buffer.concat([
          Buffer.from('{"schemaVersion":1,"eventId":"'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}'),
        ]),
      ),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [400, 400, 400, 400],
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(api.emitted.length, before);
  });

  test('test-connection, security headers, CORS on answers and preflights', async () => {
    const t = await raw(api.origin, 'GET', '/api/v1/test-connection', {
      authorization: 'Bearer change-me',
      'x-audit-qs-version': '0.4.0',
      origin: 'https://sense.example',
    });
    const body = JSON.parse(t.body);
    assert.deepEqual(
      [t.status, body.status, body.butlerSosVersion, body.auditQsVersion, body.compatible],
      [200, 'ok', '15.0.1', '0.4.0', true],
    );
    assert.equal(t.headers['access-control-allow-origin'], 'https://sense.example');
    assert.equal(t.headers['x-frame-options'], 'DENY');
    assert.equal(t.headers['content-security-policy'], "default-src 'none'");
    assert.equal(t.headers['strict-transport-security'], undefined);
    const other = await raw(api.origin, 'GET', '/api/v1/test-connection', {
      authorization: 'Bearer change-me',
      origin: 'https://evil.example',
    });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.headers.vary, 'Origin');
    const pre = await raw(api.origin, 'OPTIONS', '/api/v1/audit-event', {
      origin: 'https://sense.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type,authorization');
    const noOrigin = await raw(api.origin, 'OPTIONS', '/api/v1/audit-event', {
      'access-control-request-method': 'POST',
    });
    assert.deepEqual([noOrigin.status, noOrigin.body], [400, 'Invalid Preflight Request']);
  });
});

describe('audit API limits', () => {
  test('per-IP rate limit: 429 with retry-after; preflights and unknown paths are not counted', async () => {
    const api = await startApi({ rateLimit: { enable: true, maxPerMinute: 3 } }, 'rate');
    try {
      await raw(api.origin, 'GET', '/nope');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await postEnvelope(api.origin, { bad: true }, {}, '')).status);
      assert.deepEqual(statuses, [400, 400, 400, 429]);
      const limited = await postEnvelope(api.origin, viewEnvelope());
      assert.deepEqual([limited.body.outcome, limited.body.reason], ['dropped', 'Rate limit exceeded']);
      assert.equal(limited.headers.get('x-ratelimit-limit'), '3');
      assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
    } finally {
      await api.source.stop(1000);
    }
  });

  test('queue rate limit: 429 with retryAfter 60 in the body', async () => {
    const api = await startApi({ queue: { rateLimit: { enable: true, maxMessagesPerMinute: 2 } } }, 'qrate');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await postEnvelope(api.origin, viewEnvelope())).status);
      assert.deepEqual(statuses, [202, 202, 429]);
      const again = await postEnvelope(api.origin, viewEnvelope());
      assert.deepEqual(again.body.details, { retryAfter: 60 });
      assert.equal(again.headers.get('retry-after'), null);
    } finally {
      await api.source.stop(1000);
    }
  });

  test('CORS off: a preflight is a 404; "*" answers any origin', async () => {
    const off = await startApi({}, 'cors-off');
    const star = await startApi({ cors: { allowedOrigins: ['*'] } }, 'cors-star');
    try {
      assert.equal(
        (
          await raw(off.origin, 'OPTIONS', '/api/v1/audit-event', {
            origin: 'https://a',
            'access-control-request-method': 'POST',
          })
        ).status,
        404,
      );
      const pre = await raw(star.origin, 'OPTIONS', '/api/v1/audit-event', {
        origin: 'https://a',
        'access-control-request-method': 'POST',
      });
      assert.deepEqual([pre.status, pre.headers['access-control-allow-origin']], [204, '*']);
    } finally {
      await off.source.stop(1000);
      await star.source.stop(1000);
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
