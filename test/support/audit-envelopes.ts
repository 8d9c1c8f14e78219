/**
 * Audit.qs envelopes for tests: the reference's three examples (A, B, C) as builders, each a
 * fresh object so a test may change it, and helpers to post them to an audit API.
 */
import { randomUUID } from 'node:crypto';
import { parseAuditUser } from '../../src/audit/user.ts';
import type { AuditEnvelope, AuditEventRecord, AuditQueueRecord } from '../../src/records/audit-event.ts';

export type Envelope = Record<string, unknown> & { payload: Record<string, unknown> };

const APP = '3b1f0d6a-92c4-4e8b-a7d5-6f2e1c0b9a88';
const SOURCE = { kind: 'qlik-sense-extension', name: 'audit-qs', version: '0.4.0' };

/** The parts every example has: the envelope's head, and the app and sheet the user was on. */
function example(
  head: { eventId: string; correlationId: string; timestamp: string; type: string },
  client: { user: string; userAgent?: string },
  event: Record<string, unknown>,
  over: Partial<Envelope>,
  source: Record<string, unknown> = SOURCE,
): Envelope {
  return {
    schemaVersion: 1,
    ...head,
    source: { ...source },
    payload: {
      context: { appId: APP, appName: 'Finance KPIs', sheetId: 'JpQmRs', sheetName: 'Cash flow', ...client },
      event,
    },
    ...over,
  };
}

/** A: a selection (no object data). */
export function selectionEnvelope(over: Partial<Envelope> = {}): Envelope {
  return example(
    {
      eventId: '0f6b1c2e-8d4a-4b7e-9a31-5c2d7e8f9a10',
      correlationId: '7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f',
      timestamp: '2026-03-02T08:15:30.250Z',
      type: 'selection.state.changed',
    },
    { user: 'UserDirectory=CORP; UserId=m.berg', userAgent: 'Mozilla/5.0' },
    {
      selectionTxnId: '7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f',
      details: [{ qField: 'Quarter', qSelectedCount: 1, qSelected: 'Q1', qLocked: false }],
    },
    over,
  );
}

/** B: an object viewed for a while, with object data (so it also gets a JSON file). */
export function viewEnvelope(over: Partial<Envelope> = {}): Envelope {
  return example(
    {
      eventId: '2a9d4e71-3c5b-4f08-b6e2-d1c0a9b8f7e6',
      correlationId: '7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f',
      timestamp: '2026-03-02T08:15:31.004Z',
      type: 'object.view.duration',
    },
    { user: 'CORP\\m.berg' },
    {
      objectId: 'hGtRq',
      duration: 8450,
      enteredAt: '2026-03-02T08:15:22.554Z',
      leftAt: '2026-03-02T08:15:31.004Z',
      visible: false,
      selectionTxnId: '7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f',
      enterSelectionTxnId: 'e4d3c2b1-0a9f-4e8d-9c7b-6a5f4e3d2c1b',
      leaveSelectionTxnId: '7c3e9b12-4f5a-4d6e-8b7c-1a2b3c4d5e6f',
      dataStateId: 1772439331004,
      objectData: {
        schemaVersion: 1,
        objectType: 'linechart',
        dimensions: [{ fieldName: 'Month', label: 'Month', values: ['Jan', 'Feb'] }],
        measures: [{ label: 'Net cash', values: ['1200', '-300'] }],
      },
    },
    over,
  );
}

/** C: a screenshot URL (version from `source.version`). */
export function screenshotEnvelope(url: string, over: Partial<Envelope> = {}): Envelope {
  return example(
    {
      eventId: '5be0f3a2-71c9-4d2e-8f6a-0b1c2d3e4f50',
      correlationId: '1772439332100',
      timestamp: '2026-03-02T08:15:32.100Z',
      type: 'screenshot.url.received',
    },
    { user: 'UserDirectory=CORP; UserId=m.berg' },
    {
      screenshotUrl: url,
      objectId: 'hGtRq',
      selectionTxnId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
      dataStateId: 1772439332100,
    },
    over,
    { ...SOURCE, version: '0.3.2' },
  );
}

/** A view event with its own id and time (for load and loss tests). */
export function uniqueViewEnvelope(index: number, baseMs = Date.UTC(2026, 2, 2, 8)): Envelope {
  const envelope = viewEnvelope({ eventId: randomUUID(), timestamp: new Date(baseMs + index).toISOString() });
  return envelope;
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function postEnvelope(
  origin: string,
  body: unknown,
  headers: Record<string, string> = {},
  token = 'change-me',
): Promise<PostResult> {
  const res = await fetch(`${origin}/api/v1/audit-event`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'x-audit-qs-version': '0.4.0',
      ...headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** An `audit-event` record as the audit API emits it (without a receipt), for destination tests. */
export function sampleAuditRecord(
  envelope: Envelope = viewEnvelope(),
  receivedAtMs = Date.now(),
): AuditEventRecord {
  const context = envelope.payload.context as Record<string, unknown> | undefined;
  const parsed = Date.parse(String(envelope.timestamp));
  return {
    kind: 'audit-event',
    receivedAtMs,
    timeMs: Number.isFinite(parsed) ? parsed : receivedAtMs,
    timeFromEnvelope: Number.isFinite(parsed),
    envelope: envelope as unknown as AuditEnvelope,
    extras: {},
    identity: parseAuditUser(context?.user),
  };
}

/** An `audit-queue` sample as the audit API emits it, for destination tests. */
export function sampleAuditQueueRecord(): AuditQueueRecord {
  return {
    kind: 'audit-queue',
    timeMs: Date.now(),
    hostname: 'test-host',
    queue: {
      queueSize: 3,
      maxSize: 200,
      utilizationPct: 1.5,
      running: 2,
      rateLimitCurrent: 0,
      backpressureActive: false,
    },
    window: {
      received: 10,
      queued: 9,
      processed: 8,
      failed: 0,
      droppedRateLimit: 1,
      droppedQueueFull: 0,
      processingTimesMs: [1, 2, 5],
    },
  };
}
