/**
 * The audit API's checks as pure functions: the envelope schema (with upstream's coercions),
 * the constraints, the version rule, the payload schemas, the formats and the body reader's
 * refusals of hostile input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAuditUser } from '../../../../src/audit/user.ts';
import type { AuditEnvelope } from '../../../../src/records/audit-event.ts';
import { parseBody } from '../../../../src/sources/audit-api/body.ts';
import {
  clientVersionOf,
  constraintViolations,
  isCompatibleVersion,
  isKnownEventType,
} from '../../../../src/sources/audit-api/constraints.ts';
import { checkEnvelopeSchema } from '../../../../src/sources/audit-api/envelope-schema.ts';
import { isAbsoluteUri, isDateTime, isUuidFormat } from '../../../../src/sources/audit-api/formats.ts';
import { payloadErrors } from '../../../../src/sources/audit-api/payload-schemas.ts';
import { screenshotEnvelope, selectionEnvelope, viewEnvelope } from '../../../support/audit-envelopes.ts';

describe('envelope schema', () => {
  test('a valid envelope passes; unknown keys inside source are removed, others kept', () => {
    const body = { ...selectionEnvelope(), extra: 1 } as Record<string, unknown>;
    (body.source as Record<string, unknown>).color = 'red';
    assert.equal(checkEnvelopeSchema(body), undefined);
    assert.deepEqual(Object.keys(body.source as object), ['kind', 'name', 'version']);
    assert.equal(body.extra, 1);
  });

  test('scalars are coerced as upstream coerces them', () => {
    const body = selectionEnvelope({
      eventId: 12345 as never,
      correlationId: null as never,
      schemaVersion: ' 2' as never,
    });
    assert.equal(checkEnvelopeSchema(body), undefined);
    assert.equal(body.eventId, '12345');
    assert.equal(body.correlationId, '');
    assert.equal(body.schemaVersion, 2);
    const wrapped = selectionEnvelope({ eventId: ['abc'] as never, schemaVersion: true as never });
    assert.equal(checkEnvelopeSchema(wrapped), undefined);
    assert.equal(wrapped.eventId, 'abc');
    assert.equal(wrapped.schemaVersion, 1);
  });

  test('the first failure is reported, in the validator form', () => {
    assert.deepEqual(checkEnvelopeSchema([]), {
      instancePath: '',
      message: 'must be object',
      params: { type: 'object' },
    });
    const missing: Record<string, unknown> = selectionEnvelope();
    delete missing.timestamp;
    delete missing.payload;
    assert.deepEqual(checkEnvelopeSchema(missing), {
      instancePath: '',
      message: "must have required property 'timestamp'",
      params: { missingProperty: 'timestamp' },
    });
    assert.deepEqual(checkEnvelopeSchema(selectionEnvelope({ timestamp: '2026-02-30T10:00:00Z' })), {
      instancePath: '/timestamp',
      message: 'must match format "date-time"',
      params: { format: 'date-time' },
    });
    assert.equal(
      checkEnvelopeSchema(selectionEnvelope({ schemaVersion: '1.5' as never }))?.message,
      'must be integer',
    );
    assert.equal(
      checkEnvelopeSchema(selectionEnvelope({ schemaVersion: null as never }))?.message,
      'must be >= 1',
    );
    assert.equal(
      checkEnvelopeSchema(selectionEnvelope({ eventId: '' }))?.message,
      'must NOT have fewer than 1 characters',
    );
    assert.equal(checkEnvelopeSchema(selectionEnvelope({ source: null as never }))?.instancePath, '/source');
    assert.deepEqual(checkEnvelopeSchema(selectionEnvelope({ source: { name: 'butler-sos-audit' } })), {
      instancePath: '/source/name',
      message: 'must be equal to one of the allowed values',
      params: { allowedValues: ['audit-qs'] },
    });
    assert.equal(checkEnvelopeSchema(selectionEnvelope({ payload: [] as never }))?.instancePath, '/payload');
  });
});

describe('constraints and version', () => {
  test('every violation is listed, in order', () => {
    const envelope = selectionEnvelope({
      eventId: '0f6b1c2e',
      correlationId: 'x'.repeat(65),
      type: 'selection.transaction.finalized',
    });
    (envelope.payload.context as Record<string, unknown>).appId = '';
    assert.deepEqual(
      constraintViolations(envelope as AuditEnvelope).map((v) => v.message),
      [
        'eventId is not a valid UUID ("0f6b1c2e")',
        'correlationId exceeds 64 characters (length=65)',
        'payload.context.appId is not a valid UUID ("")',
        'type is not a recognised event type ("selection.transaction.finalized")',
      ],
    );
    assert.deepEqual(constraintViolations(viewEnvelope() as AuditEnvelope), []);
  });

  test('event types: the list and event.<anything>', () => {
    for (const type of ['audit.event', 'event.bookmark', 'event.x', 'navigation.sheet.loaded'])
      assert.ok(isKnownEventType(type), type);
    for (const type of ['event.', 'selection.transaction.finalized', 'Audit.Event', ''])
      assert.ok(!isKnownEventType(type), type);
  });

  test('Audit.qs versions 0.3.0 up to (not including) 0.5.0, strict semver', () => {
    for (const v of ['0.3.0', '0.4.0', 'v0.4.9', '0.4.10']) assert.ok(isCompatibleVersion(v), v);
    for (const v of ['0.5.0', '0.2.9', '0.4', 'banana', '0.4.0-beta.1', '1.0.0', '00.4.0'])
      assert.ok(!isCompatibleVersion(v), v);
    assert.equal(clientVersionOf(' 0.4.0 , 0.3.0'), '0.4.0');
    assert.equal(clientVersionOf(undefined, screenshotEnvelope('https://x/y.png') as AuditEnvelope), '0.3.2');
    assert.equal(clientVersionOf('', { source: {} } as AuditEnvelope), null);
  });
});

describe('payload schemas', () => {
  test('all errors, with paths and keywords', () => {
    const errors = payloadErrors('object.view.duration', {
      context: { appName: 'x'.repeat(65) },
      event: { objectId: '', duration: '5', visible: 'yes' },
    });
    assert.deepEqual(
      errors.map((e) => [e.instancePath, e.keyword]),
      [
        ['/context/appName', 'maxLength'],
        ['/event', 'required'],
        ['/event/objectId', 'minLength'],
        ['/event/duration', 'type'],
        ['/event/visible', 'type'],
      ],
    );
    assert.equal(errors[1]!.message, "must have required property 'leftAt'");
    assert.equal(errors[4]!.message, 'must be boolean,null');
  });

  test('selection details capped at 500; screenshot URL absolute; event required', () => {
    const details = Array.from({ length: 501 }, () => ({}));
    const sel = payloadErrors('selection.state.changed', {
      event: { selectionTxnId: '7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f', details },
    });
    assert.deepEqual(
      sel.map((e) => e.keyword),
      ['maxItems'],
    );
    const shot = payloadErrors('screenshot.url.received', {
      event: { screenshotUrl: 'relative/x.png', selectionTxnId: 'nope' },
    });
    assert.deepEqual(
      shot.map((e) => [e.instancePath, e.keyword]),
      [
        ['/event/screenshotUrl', 'format'],
        ['/event/selectionTxnId', 'format'],
      ],
    );
    assert.deepEqual(
      payloadErrors('app.model.validated', {}).map((e) => e.message),
      ["must have required property 'event'"],
    );
    assert.deepEqual(payloadErrors('event.bookmark', {}), []);
  });
});

describe('formats', () => {
  test('date-time as RFC 3339', () => {
    for (const t of [
      '2026-03-02T08:15:30Z',
      '2026-03-02t08:15:30.25+02:00',
      '2026-03-02 08:15:30-0330',
      '2024-02-29T00:00:00Z',
      '2026-12-31T23:59:60Z',
    ])
      assert.ok(isDateTime(t), t);
    for (const t of [
      '2026-03-02T08:15Z',
      '2026-03-02T08:15:30',
      '2025-02-29T00:00:00Z',
      '2026-03-02T24:00:00Z',
      '2026-03-02T10:59:60Z',
      'x',
    ])
      assert.ok(!isDateTime(t), t);
  });

  test('uuid and uri', () => {
    assert.ok(isUuidFormat('00000000-0000-0000-0000-000000000000'));
    assert.ok(isUuidFormat('urn:uuid:7C3E9B12-4F5A-4D6E-8B7C-1A2B3C4D5E6F'));
    assert.ok(!isUuidFormat('7c3e9b12-4f5a-4d6e-8b7c'));
    for (const u of [
      'https://sense.example/tempcontent/x.png?a=1',
      'ftp://h/x',
      'file:///etc/passwd',
      'data:image/png;base64,AAA',
    ])
      assert.ok(isAbsoluteUri(u), u);
    for (const u of ['relative/x.png', '//host/x', 'https://exa mple/x', 'http://h/%zz'])
      assert.ok(!isAbsoluteUri(u), u);
  });
});

describe('body', () => {
  test('hostile bodies are refused before anything reads them', () => {
    const refused = (text: string | Buffer) => {
      const result = parseBody('json', Buffer.isBuffer(text) ? text : Buffer.from(text));
      return result.ok ? 'ok' : `${result.failure.status} ${result.failure.kind}`;
    };
    assert.equal(refused('{"a":{"__proto__":{"admin":true}}}'), '400 parser');
    assert.equal(refused('{"constructor":{"prototype":{"x":1}}}'), '400 parser');
    assert.equal(refused('{"constructor":"fine"}'), 'ok');
    assert.equal(
      refused(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
      '400 refused',
    );
    assert.equal(refused(`${'['.repeat(65)}${']'.repeat(65)}`), '400 refused');
    assert.equal(refused(`${'['.repeat(64)}${']'.repeat(64)}`), 'ok');
    assert.equal(refused(`[${'0,'.repeat(10_000)}0]`), '400 refused');
    assert.equal(refused(`{"s":"${'[,'.repeat(20_000)}"}`), 'ok');
    assert.equal(refused(''), '400 parser');
    assert.equal(refused('{"a":'), '400 parser');
  });
});

describe('users', () => {
  test('the forms Sense and Audit.qs send', () => {
    assert.deepEqual(parseAuditUser(' UserDirectory=LAB; UserId=anna '), {
      user: 'UserDirectory=LAB; UserId=anna',
      userDirectory: 'LAB',
      userId: 'anna',
    });
    assert.deepEqual(parseAuditUser('LAB; UserId=anna'), {
      user: 'LAB; UserId=anna',
      userDirectory: 'LAB',
      userId: 'anna',
    });
    assert.deepEqual(parseAuditUser('LAB\\anna'), {
      user: 'LAB\\anna',
      userDirectory: 'LAB',
      userId: 'anna',
    });
    assert.deepEqual(parseAuditUser('anna@example.com'), { user: 'anna@example.com' });
    assert.deepEqual(parseAuditUser('n/a'), { user: 'n/a' });
    assert.deepEqual(parseAuditUser('  '), {});
    assert.deepEqual(parseAuditUser(42), {});
  });
});
