/**
 * Golden tests of the user-event parser and handler: the project's user-event datagrams
 * (session and connection events from several browsers and systems, odd and malformed ones)
 * compared field by field with the records written by hand from the layout
 * (docs/reference/udp-events.md#user-event-layout). Then upstream's constructed datagrams
 * with the records upstream v14 makes of them (only when the compatibility corpus is present).
 */
import assert from 'node:assert/strict';
import type { RemoteInfo } from 'node:dgram';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { EventCounters } from '../../../../src/records/event-counts.ts';
import type { UserEventRecord } from '../../../../src/records/user-event.ts';
import { createUserEventHandler } from '../../../../src/sources/user-events/handler.ts';
import { parseUserEventDatagram } from '../../../../src/sources/user-events/parse.ts';
import { extractUserAgent, parseUserAgent } from '../../../../src/sources/user-events/user-agent.ts';
import { corpusSkip, readCorpusJson } from '../../../support/compat-corpus.ts';
import {
  appNameOf,
  datagramBytes,
  datagramText,
  expectedOf,
  USER_EVENTS,
} from '../../../support/datagram-fixtures.ts';

const cases = USER_EVENTS.cases;
const opts = { ...USER_EVENTS.parseOptions, appNameOf: appNameOf(USER_EVENTS) };

/** The record without the receive-time bookkeeping (the user-agent object copied out of the cache). */
function view(e: UserEventRecord): Record<string, unknown> {
  const { receivedAtMs: _r, timeNsOffset: _t, kind: _k, ua, ...rest } = e;
  return ua === undefined ? rest : { ...rest, ua: { ...ua } };
}

describe('user-event parser: the project datagrams', () => {
  it('the fixtures hold session start/stop and connection open/close, and rejected datagrams', () => {
    const commands = new Set(cases.map((c) => c.expected?.command));
    for (const command of ['Start session', 'Stop session', 'Open connection', 'Close connection']) {
      assert.ok(commands.has(command), command);
    }
    assert.ok(cases.some((c) => c.rejected));
    assert.ok(cases.some((c) => c.excluded));
  });

  for (const c of cases) {
    const outcome = c.rejected ? `rejected (${c.rejected.reason})` : 'accepted';
    it(`${c.id}, ${outcome}: ${c.description}`, () => {
      const r = parseUserEventDatagram(datagramText(c), opts);
      if (c.rejected !== undefined) {
        // JSON drops the members a rejection leaves undefined.
        assert.deepEqual(JSON.parse(JSON.stringify(r)), { ok: false, ...c.rejected });
        return;
      }
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(view(r.event), expectedOf(c));
      assert.equal(r.event.receivedAtMs, opts.receivedAtMs);
      assert.equal(r.event.timeNsOffset, opts.timeNsOffset);
    });
  }
});

describe('user agents (ua-parser-js 1.x, v14 names)', () => {
  it('gives the documented results for common browsers, and nothing for empty or unknown agents', () => {
    const table: [string, string | undefined, string | undefined, string | undefined, string | undefined][] =
      [
        [
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
          'Chrome',
          '131',
          'Windows',
          '10',
        ],
        [
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
          'Edge',
          '131',
          'Windows',
          '10',
        ],
        [
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
          'Firefox',
          '133',
          'Windows',
          '10',
        ],
        [
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
          'Safari',
          '17',
          'macOS',
          '10.15.7',
        ],
        [
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
          'Mobile Safari',
          '17',
          'iOS',
          '17.5',
        ],
        ['', undefined, undefined, undefined, undefined],
        ['garbage-ua', undefined, undefined, undefined, undefined],
      ];
    for (const [ua, name, major, os, osv] of table) {
      const r = parseUserAgent(ua);
      assert.deepEqual([r.browserName, r.browserMajor, r.osName, r.osVersion], [name, major, os, osv], ua);
    }
  });

  it('extracts the agent up to a second marker, trimmed, quotes removed', () => {
    assert.equal(extractUserAgent("x UserAgent: 'A B' UserAgent: C"), 'A B');
    assert.equal(extractUserAgent('no agent'), undefined);
    assert.equal(extractUserAgent('UserAgent: '), '');
  });
});

describe('user-event handler', () => {
  const rinfo = { address: '127.0.0.1', family: 'IPv4', port: 1, size: 0 } as RemoteInfo;
  const stamp = { timeMs: 1, timeNsOffset: 0 };

  it('counts before excluding, drops excluded users, counts unknown markers as Unknown', () => {
    const emitted: UserEventRecord[] = [];
    const counters = new EventCounters();
    const h = createUserEventHandler({
      excludeUser: USER_EVENTS.excludeUser,
      eventCounters: counters,
      appNameOf: appNameOf(USER_EVENTS),
      emit: (e) => emitted.push(e),
      log: createRecordingLogger(),
    });
    for (const c of cases) h.handle(datagramBytes(c), rinfo, stamp);

    const excluded = cases.filter((c) => c.excluded);
    const forwarded = cases.filter((c) => c.expected && !c.excluded);
    const byReason: Record<string, number> = { excluded_user: excluded.length };
    for (const c of cases) {
      if (c.rejected) byReason[c.rejected.reason] = (byReason[c.rejected.reason] ?? 0) + 1;
    }
    const s = h.stats();
    assert.deepEqual(Object.fromEntries(Object.entries(s.rejected).filter(([, n]) => n > 0)), byReason);
    assert.deepEqual(
      emitted.map(view),
      forwarded.map((c) => expectedOf(c)),
    );
    assert.equal(s.emitted, emitted.length);

    const counts = counters.take(0).counts;
    assert.equal(
      counts.reduce((a, c) => a + c.counter, 0),
      cases.length,
      'every datagram counted',
    );
    const unknown = cases.filter((c) => c.rejected && c.rejected.messageType === undefined).length;
    assert.ok(counts.some((c) => c.source === 'Unknown' && c.host === 'Unknown' && c.counter === unknown));
    for (const c of excluded) {
      const e = expectedOf(c);
      assert.ok(
        counts.some((n) => n.source === e.messageType && n.host === e.host && n.subsystem === e.origin),
        'an excluded user is still counted, under the origin as subsystem',
      );
    }
  });
});

interface UpstreamCase {
  datagram: string;
  forwarded: boolean;
  parsedByUpstreamV14: Record<string, unknown> | null;
}

/** Upstream's `ua` object reduced to the four values destinations use, in our record's form. */
function expectedUa(ua: Record<string, Record<string, string> | string> | undefined) {
  if (ua === undefined) return undefined;
  const b = ua.browser as Record<string, string>;
  const o = ua.os as Record<string, string>;
  const out: Record<string, string> = { ua: ua.ua as string };
  if (b.name) out.browserName = b.name;
  if (b.major) out.browserMajor = b.major;
  if (o.name) out.osName = o.name;
  if (o.version) out.osVersion = o.version;
  return out;
}

describe('user-event parser: upstream v14 records (compatibility corpus)', { skip: corpusSkip }, () => {
  const upstream = readCorpusJson<{ cases: UpstreamCase[] }>('constructed/user-event-datagrams.json').cases;
  // The corpus's app-name table, as its records show it (app id → name).
  const names = new Map<string, string>();
  for (const c of upstream) {
    const r = c.parsedByUpstreamV14 as { appId?: string; appName?: string } | null;
    if (r?.appId && r.appName && r.appName !== '<unknown app name>') names.set(r.appId, r.appName);
  }
  const uopts = { receivedAtMs: 1, timeNsOffset: 3, appNameOf: (id: string) => names.get(id) };

  for (const [i, c] of upstream.entries()) {
    const up = c.parsedByUpstreamV14;
    if (up === null || c.datagram.split(';').length < 8) continue;
    it(`#${i + 1} ${up.messageType} ${up.command}: upstream's record`, () => {
      const r = parseUserEventDatagram(c.datagram, uopts);
      assert.ok(r.ok);
      const { ua, ...rest } = up as Record<string, unknown>;
      const expected: Record<string, unknown> = { ...rest };
      const u = expectedUa(ua as never);
      if (u !== undefined) expected.ua = u;
      assert.deepEqual(view(r.event), expected);
    });
  }

  it('a marker upstream does not recognise is rejected (as upstream)', () => {
    const unknown = upstream.filter((x) => !x.forwarded && !x.datagram.startsWith('/qseow-proxy-'));
    assert.ok(unknown.length >= 1);
    for (const c of unknown) {
      assert.deepEqual(parseUserEventDatagram(c.datagram, uopts), { ok: false, reason: 'unknown_marker' });
    }
  });

  it('datagrams with fewer than 8 fields are rejected (upstream v14 forwards them with "undefined" fields)', () => {
    const short = upstream.filter((x) => x.forwarded && x.datagram.split(';').length < 8);
    assert.ok(short.length >= 1);
    for (const c of short) {
      const r = parseUserEventDatagram(c.datagram, uopts);
      assert.equal(!r.ok && r.reason, 'too_few_fields', c.datagram);
    }
  });
});
