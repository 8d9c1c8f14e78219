/**
 * Golden tests: the reference's user-event datagrams (with upstream v14's records) through
 * our parser and handler. Deliberate differences are named in the test titles.
 */
import assert from 'node:assert/strict';
import type { RemoteInfo } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { EventCounters } from '../../../src/records/event-counts.ts';
import type { UserEventRecord } from '../../../src/records/user-event.ts';
import { createUserEventHandler } from '../../../src/sources/user-events/handler.ts';
import { parseUserEventDatagram } from '../../../src/sources/user-events/parse.ts';
import { extractUserAgent, parseUserAgent } from '../../../src/sources/user-events/user-agent.ts';

interface Case {
  datagram: string;
  forwarded: boolean;
  parsedByUpstreamV14: Record<string, unknown> | null;
}
const fixtures = new URL('../../../../shared/fixtures/constructed', import.meta.url).pathname;
const cases: Case[] = JSON.parse(readFileSync(`${fixtures}/user-event-datagrams.json`, 'utf8')).cases;

const apps = new Map([['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 'Sales dashboard']]);
const opts = { receivedAtMs: 1_700_000_000_000, timeNsOffset: 3, appNameOf: (id: string) => apps.get(id) };

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

function view(e: UserEventRecord): Record<string, unknown> {
  const { receivedAtMs: _r, timeNsOffset: _t, ua, ...rest } = e;
  return ua === undefined ? rest : { ...rest, ua: { ...ua } };
}

describe('user-event parser: datagrams of the reference', () => {
  for (const [i, c] of cases.entries()) {
    const up = c.parsedByUpstreamV14;
    if (up === null || c.datagram.split(';').length < 8) continue;
    it(`#${i + 1} ${up.messageType} ${up.command}: upstream's record`, () => {
      const r = parseUserEventDatagram(c.datagram, opts);
      assert.ok(r.ok);
      const { ua, ...rest } = up as Record<string, unknown>;
      const expected: Record<string, unknown> = { ...rest };
      const u = expectedUa(ua as never);
      if (u !== undefined) expected.ua = u;
      assert.deepEqual(view(r.event), expected);
      assert.equal(r.event.receivedAtMs, opts.receivedAtMs);
      assert.equal(r.event.timeNsOffset, 3);
    });
  }

  it('#8 unknown marker /proxy-user-event/ is rejected', () => {
    assert.deepEqual(parseUserEventDatagram(cases[7]!.datagram, opts), {
      ok: false,
      reason: 'unknown_marker',
    });
  });

  it('#9 two fields only is rejected (fix: v14 forwards it with "undefined" fields)', () => {
    assert.equal(cases[8]!.forwarded, true);
    const r = parseUserEventDatagram(cases[8]!.datagram, opts);
    assert.equal(!r.ok && r.reason, 'too_few_fields');
  });

  it('accepts an upper-case app GUID in the context and looks it up as is', () => {
    const r = parseUserEventDatagram(
      '/qseow-proxy-session/;h;Start session;D;U;o;/app/A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D?x=1;m',
      opts,
    );
    assert.ok(r.ok);
    assert.equal(r.event.appId, 'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D');
    assert.equal(r.event.appName, '<unknown app name>');
  });

  it('rejects a GUID with a bad version digit', () => {
    const r = parseUserEventDatagram(
      '/qseow-proxy-session/;h;Start session;D;U;o;/app/a1b2c3d4-e5f6-9a7b-8c9d-0e1f2a3b4c5d;m',
      opts,
    );
    assert.ok(r.ok);
    assert.equal(r.event.appId, undefined);
  });
});

describe('user agents (ua-parser-js 1.x, v14 names)', () => {
  it('gives the reference table results', () => {
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
      excludeUser: [{ directory: 'INTERNAL', userId: 'sa_scheduler' }],
      eventCounters: counters,
      appNameOf: (id) => apps.get(id),
      emit: (e) => emitted.push(e),
      log: createRecordingLogger(),
    });
    for (const c of cases) h.handle(Buffer.from(c.datagram), rinfo, stamp);
    const s = h.stats();
    assert.equal(s.rejected.excluded_user, 1);
    assert.equal(s.rejected.unknown_marker, 1);
    assert.equal(s.rejected.too_few_fields, 1);
    assert.equal(emitted.length, cases.length - 3);
    assert.equal(s.emitted, emitted.length);
    const counts = counters.take(0).counts;
    const total = counts.reduce((a, c) => a + c.counter, 0);
    assert.equal(total, cases.length);
    assert.ok(counts.some((c) => c.source === 'Unknown' && c.host === 'Unknown' && c.counter === 1));
    const excludedCount = counts.find(
      (c) => c.source === 'qseow-proxy-session' && c.subsystem === 'Not available',
    );
    assert.ok(excludedCount && excludedCount.counter >= 2, 'excluded user still counted under its origin');
  });
});
