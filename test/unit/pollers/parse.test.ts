import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { serverIdentity } from '../../../src/records/server.ts';
import { qrsAuthority } from '../../../src/sources/app-names/poller.ts';
import { AppNameTable, parseAppList } from '../../../src/sources/app-names/table.ts';
import { parseHealthBody } from '../../../src/sources/engine-health/parse.ts';
import { engineUptimeText } from '../../../src/sources/engine-health/uptime.ts';
import { parseSessionsBody } from '../../../src/sources/proxy-sessions/parse.ts';
import { proxySessionsUrl, virtualProxyPath } from '../../../src/sources/proxy-sessions/poller.ts';
import { CONSTRUCTED_FIXTURES } from '../../support/fixtures.ts';

// The uptime text is computed in local time, as upstream: pin the zone for this file.
process.env.TZ = 'UTC';

const fixture = (name: string) => JSON.parse(readFileSync(`${CONSTRUCTED_FIXTURES}${name}.json`, 'utf8'));
const server = serverIdentity({
  host: 'sense1.corp:4747',
  serverName: 'sense1',
  serverDescription: 'Central node',
  serverTags: { env: 'PROD', rank: 2, host: null },
});

describe('server identity', () => {
  it('builds the tag set of sense-inputs.md §2.3 in order, port stripped, values stringified', () => {
    assert.deepEqual(Object.entries(server.tags), [
      ['host', 'sense1.corp'],
      ['server_name', 'sense1'],
      ['server_description', 'Central node'],
      ['env', 'PROD'],
      ['rank', '2'],
    ]);
    assert.equal(server.host, 'sense1.corp:4747');
    const overridden = serverIdentity({
      host: 'a:1',
      serverName: 'n',
      serverDescription: 'd',
      serverTags: { host: 'custom' },
    });
    assert.equal(overridden.tags.host, 'custom');
  });
});

describe('engine healthcheck body', () => {
  it('keeps every field of the fixture and resolves app names (sense-inputs.md §3.3)', () => {
    const table = new AppNameTable();
    table.replace(parseAppList(fixture('qrs-app-list-response')) ?? []);
    const parsed = parseHealthBody(
      fixture('engine-healthcheck-response'),
      server,
      table,
      Date.UTC(2025, 2, 12, 8, 30, 15),
    );
    assert.ok(parsed.ok);
    const r = parsed.record;
    assert.deepEqual(parsed.missing, []);
    assert.equal(r.version, '14.187.4');
    assert.equal(r.started, '20250310T060001.000+0100');
    assert.equal(r.uptime, '2 days, 2h 30m 14s');
    assert.deepEqual(r.mem, {
      committed: 9812.34765625,
      allocated: 10455.2109375,
      free: 51022.87890625,
      totalPhysical: 65535.4921875,
    });
    assert.deepEqual(
      [r.cpu.total, r.session.active, r.session.total, r.users.active, r.users.total],
      [7, 3, 11, 2, 6],
    );
    assert.deepEqual(r.cache, {
      hits: 30211,
      lookups: 41877,
      added: 11666,
      replaced: 820,
      bytesAdded: 734003200,
    });
    assert.deepEqual([r.apps.calls, r.apps.selections, r.saturated], [184223, 5120, false]);
    assert.deepEqual(r.apps.activeDocs.names, ['Sales dashboard']);
    assert.deepEqual(r.apps.inMemoryDocs.names, ['Finance - monthly close', 'Sales dashboard']);
    assert.deepEqual(r.apps.inMemoryDocs.sessionApps, ['SessionApp_8c2b0f1e-4a3d-4c5b-9e7f-6a1b2c3d4e5f']);
    assert.equal(r.apps.loadedDocs.ids.length, 2);
    assert.equal(r.server, server);
  });

  it('uses raw ids when the app list is empty and never looks up session apps', () => {
    const parsed = parseHealthBody(
      fixture('engine-healthcheck-response'),
      server,
      new AppNameTable(),
      Date.now(),
    );
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record.apps.inMemoryDocs.names, [
      '0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c',
      'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    ]);
  });

  it('treats missing sections as absent values and empty lists, and reports them', () => {
    const parsed = parseHealthBody(
      { version: '1', started: 'x', cpu: { total: 'high' }, apps: { active_docs: 'no' } },
      server,
      new AppNameTable(),
      0,
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.record.cpu.total, undefined);
    assert.deepEqual(parsed.record.apps.activeDocs.ids, []);
    assert.equal(parsed.record.uptime, '');
    for (const path of ['mem', 'cpu.total', 'apps.active_docs', 'cache', 'saturated'])
      assert.ok(parsed.missing.includes(path), path);
  });

  it('rejects a body that is not an object', () => {
    assert.equal(parseHealthBody([1, 2], server, new AppNameTable(), 0).ok, false);
    assert.equal(parseHealthBody('text', server, new AppNameTable(), 0).ok, false);
  });
});

describe('engine uptime text (outputs.md §1.6.1)', () => {
  it('formats days, unpadded hours, padded minutes and seconds', () => {
    const started = Date.UTC(2024, 2, 5, 12, 1, 2);
    assert.equal(
      engineUptimeText('20240305T120102.000Z', started + 2 * 86400_000 + 7 * 3600_000 + 3 * 60_000 + 9000),
      '2 days, 7h 03m 09s',
    );
  });
  it('is empty for missing, short or non-numeric values', () => {
    for (const bad of [undefined, 42, '2024030', '2024X305T120102'])
      assert.equal(engineUptimeText(bad, Date.now()), '');
  });
});

describe('proxy session body (sense-inputs.md §4.3)', () => {
  it('counts all sessions, lists unique users in first-seen order, excludes users from details only', () => {
    const parsed = parseSessionsBody(fixture('proxy-session-response'), {
      server,
      virtualProxy: '/',
      userSessionHost: 'sense1.corp:4243',
      excludeUser: [{ directory: 'INTERNAL', userId: 'sa_scheduler' }],
      timeMs: 0,
    });
    assert.ok(parsed.ok);
    assert.equal(parsed.record.sessionCount, 4);
    assert.deepEqual(parsed.record.uniqueUsers, ['CORP\\anna', 'CORP\\peter', 'INTERNAL\\sa_scheduler']);
    assert.equal(parsed.record.sessions.length, 3);
    assert.ok(parsed.record.sessions.every((s) => s.userDirectory !== 'INTERNAL'));
    assert.equal(parsed.record.raw.length, 4);
  });

  it('matches excluded users exactly and case-sensitively; missing fields become empty strings', () => {
    const parsed = parseSessionsBody([{ UserDirectory: 'internal', UserId: 'sa_scheduler' }, {}], {
      server,
      virtualProxy: '/',
      userSessionHost: 'h',
      excludeUser: [{ directory: 'INTERNAL', userId: 'sa_scheduler' }],
      timeMs: 0,
    });
    assert.ok(parsed.ok);
    assert.equal(parsed.record.sessions.length, 2);
    assert.deepEqual(parsed.record.sessions[1], { sessionId: '', userDirectory: '', userId: '' });
    assert.deepEqual(parsed.record.uniqueUsers, ['internal\\sa_scheduler', '\\']);
  });

  it('rejects a body that is not an array', () => {
    assert.equal(
      parseSessionsBody({}, { server, virtualProxy: '/', userSessionHost: 'h', excludeUser: null, timeMs: 0 })
        .ok,
      false,
    );
  });

  it('builds the proxy URL per virtual proxy, normalising slashes', () => {
    assert.equal(proxySessionsUrl('s:4243', '/'), 'https://s:4243/qps/session?Xrfkey=abcdefghij987654');
    assert.equal(
      proxySessionsUrl('s:4243', '/hdr'),
      'https://s:4243/qps/hdr/session?Xrfkey=abcdefghij987654',
    );
    assert.equal(virtualProxyPath('hdr/'), '/hdr');
  });
});

describe('app-name table (sense-inputs.md §5.2)', () => {
  it('keeps id and name, first duplicate wins, elements without id skipped', () => {
    const apps = parseAppList([
      { id: 'a', name: 'A' },
      { id: 'a', name: 'A2' },
      { name: 'no id' },
      { id: 'b', name: 'B', description: 'd' },
    ]);
    const table = new AppNameTable();
    table.replace(apps ?? [], 123);
    assert.equal(table.nameOf('a'), 'A');
    assert.equal(table.nameOf('A'), undefined);
    assert.equal(table.size, 2);
    assert.equal(table.loadedAtMs, 123);
    assert.equal(parseAppList({ apps: [] }), undefined);
  });

  it('accepts appNames.hostIP with an explicit port, defaulting to 4242', () => {
    assert.equal(qrsAuthority('qrs.corp'), 'qrs.corp:4242');
    assert.equal(qrsAuthority('127.0.0.1:40123'), '127.0.0.1:40123');
    assert.equal(qrsAuthority('[::1]'), '[::1]:4242');
    assert.equal(qrsAuthority('[::1]:9000'), '[::1]:9000');
    assert.equal(qrsAuthority('fe80::1'), '[fe80::1]:4242');
  });
});
