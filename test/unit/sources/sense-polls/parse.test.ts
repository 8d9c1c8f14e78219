import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { serverIdentity } from '../../../../src/records/server.ts';
import { qrsAuthority } from '../../../../src/sources/app-names/poller.ts';
import { AppNameTable, parseAppList } from '../../../../src/sources/app-names/table.ts';
import { parseHealthBody } from '../../../../src/sources/engine-health/parse.ts';
import { engineUptimeText } from '../../../../src/sources/engine-health/uptime.ts';
import { parseSessionsBody } from '../../../../src/sources/proxy-sessions/parse.ts';
import { proxySessionsUrl, virtualProxyPath } from '../../../../src/sources/proxy-sessions/poller.ts';
import { corpusSkip, readCorpusJson } from '../../../support/compat-corpus.ts';

// The uptime text is computed in local time, as upstream: pin the zone for this file.
process.env.TZ = 'UTC';

/** A Sense API answer from test/fixtures/sense/. */
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/sense/${name}.json`, import.meta.url), 'utf8'));

const WAREHOUSE = '3f6d2a90-1c4b-4e7a-9b25-7e8c0d41a6f3';
const PUMPS = 'b84e17c2-5a09-4d3e-8f61-2c9a7b3e05d4';
const BOARD = '71c0e5b8-9d2f-4a16-b3e7-58f4a0c29e1b';
/** In memory on the engine but not in the QRS list. */
const UNLISTED = 'e9a31f04-6b7d-4c28-a5e0-93d1f7b2c846';
const SESSION_APP_D2 = 'SessionApp_d2c7e0a3-8f14-4b69-9e52-c1a06b3d7f88';
const SESSION_APP_09 = 'SessionApp_09af4c17-2e6b-4d85-b3c0-7a1e5f928d64';

/** The JSON type skeleton of a value: same keys, typeof at the leaves, arrays by their first element. */
function skeleton(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [skeleton(value[0])] : [];
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, skeleton(v)]),
    );
  return value === null ? 'null' : typeof value;
}

const server = serverIdentity({
  host: 'sense1.corp:4747',
  serverName: 'sense1',
  serverDescription: 'Central node',
  serverTags: { env: 'PROD', rank: 2, host: null },
});

describe('server identity', () => {
  it('builds the tag set of docs/reference/sense-apis.md#server-tags in order, port stripped, values stringified', () => {
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
  it('keeps every field of the fixture and resolves app names from the QRS fixture', () => {
    const table = new AppNameTable();
    table.replace(parseAppList(fixture('qrs-apps')) ?? []);
    const parsed = parseHealthBody(
      fixture('engine-healthcheck'),
      server,
      table,
      Date.UTC(2025, 5, 5, 19, 42, 8),
    );
    assert.ok(parsed.ok);
    const r = parsed.record;
    assert.deepEqual(parsed.missing, []);
    assert.equal(r.version, '14.212.8');
    assert.equal(r.started, '20250602T071530.000+0200');
    // Started 2 June 07:15:30 read as local time (UTC here, the offset ignored) → 5 June 19:42:08.
    assert.equal(r.uptime, '3 days, 12h 26m 38s');
    assert.deepEqual(r.mem, {
      committed: 6144.5078125,
      allocated: 6837.25390625,
      free: 24106.01953125,
      totalPhysical: 32767.61328125,
    });
    assert.deepEqual(
      [r.cpu.total, r.session.active, r.session.total, r.users.active, r.users.total],
      [12, 4, 9, 3, 5],
    );
    assert.deepEqual(r.cache, {
      hits: 18734,
      lookups: 25109,
      added: 6375,
      replaced: 412,
      bytesAdded: 418906112,
    });
    assert.deepEqual([r.apps.calls, r.apps.selections, r.saturated], [96512, 3307, false]);
    assert.deepEqual(r.apps.activeDocs, {
      ids: [PUMPS, WAREHOUSE],
      names: ['Anomaly watch - pumps', 'Warehouse throughput'],
      sessionApps: [],
    });
    assert.deepEqual(r.apps.loadedDocs, {
      ids: [WAREHOUSE, PUMPS, SESSION_APP_D2],
      names: ['Anomaly watch - pumps', 'Warehouse throughput'],
      sessionApps: [SESSION_APP_D2],
    });
    assert.deepEqual(r.apps.inMemoryDocs.ids, [
      WAREHOUSE,
      SESSION_APP_D2,
      PUMPS,
      UNLISTED,
      BOARD,
      SESSION_APP_09,
    ]);
    // Plain string sort: capitals before the lower-case raw id of the app the QRS does not list.
    assert.deepEqual(r.apps.inMemoryDocs.names, [
      'Anomaly watch - pumps',
      'Board pack (quarterly)',
      'Warehouse throughput',
      UNLISTED,
    ]);
    assert.deepEqual(r.apps.inMemoryDocs.sessionApps, [SESSION_APP_09, SESSION_APP_D2]);
    assert.equal(r.server, server);
  });

  it('uses raw ids when the app list is empty and never looks up session apps', () => {
    const parsed = parseHealthBody(fixture('engine-healthcheck'), server, new AppNameTable(), Date.now());
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record.apps.inMemoryDocs.names, [WAREHOUSE, BOARD, PUMPS, UNLISTED]);
    assert.deepEqual(parsed.record.apps.inMemoryDocs.sessionApps, [SESSION_APP_09, SESSION_APP_D2]);
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

describe('engine uptime text (docs/reference/influxdb.md#engine-uptime-text)', () => {
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

/** Parses a session list as the poller does for server `sense1.corp`, virtual proxy `/`. */
const parseSessions = (body: unknown, excludeUser: Parameters<typeof parseSessionsBody>[1]['excludeUser']) =>
  parseSessionsBody(body, {
    server,
    virtualProxy: '/',
    userSessionHost: 'sense1.corp:4243',
    excludeUser,
    timeMs: 0,
  });

describe('proxy session body (docs/reference/sense-apis.md#proxy-session-derived-values)', () => {
  it('counts all sessions, lists unique users in first-seen order, excludes users from details only', () => {
    const parsed = parseSessions(fixture('proxy-sessions'), [{ directory: 'INTERNAL', userId: 'sa_api' }]);
    assert.ok(parsed.ok);
    assert.equal(parsed.record.sessionCount, 5);
    assert.deepEqual(parsed.record.uniqueUsers, [
      'LABNET\\k.berg',
      'LABNET\\mtorres',
      'INTERNAL\\sa_api',
      'LABNET\\ychen',
    ]);
    assert.deepEqual(parsed.record.sessions, [
      { sessionId: '1e7f3a52-9c04-4b8d-a6e1-5d2c8f0b7a93', userDirectory: 'LABNET', userId: 'k.berg' },
      { sessionId: '84b2d6c0-3e5f-4a17-9d8c-0f6a1b2e4c75', userDirectory: 'LABNET', userId: 'mtorres' },
      { sessionId: '5a0c8e24-7b1d-4f93-b2a6-e4c7d9f1038b', userDirectory: 'LABNET', userId: 'k.berg' },
      { sessionId: 'f6b1a7d3-2c8e-4e05-9a4f-3d6b0c5e8a21', userDirectory: 'LABNET', userId: 'ychen' },
    ]);
    assert.equal(parsed.record.raw.length, 5);
  });

  it('keeps every session in the details when no user is excluded', () => {
    const parsed = parseSessions(fixture('proxy-sessions'), null);
    assert.ok(parsed.ok);
    assert.equal(parsed.record.sessions.length, 5);
    assert.deepEqual(parsed.record.sessions[2], {
      sessionId: 'c3d9e1f7-5a2b-4c60-8e4d-7b1f0a9c2d36',
      userDirectory: 'INTERNAL',
      userId: 'sa_api',
    });
  });

  it("upstream compatibility: the corpus session list gives upstream's count, user list and details", {
    skip: corpusSkip,
  }, () => {
    const parsed = parseSessions(readCorpusJson('constructed/proxy-session-response.json'), [
      { directory: 'INTERNAL', userId: 'sa_scheduler' },
    ]);
    assert.ok(parsed.ok);
    assert.equal(parsed.record.sessionCount, 4);
    assert.deepEqual(parsed.record.uniqueUsers, ['CORP\\anna', 'CORP\\peter', 'INTERNAL\\sa_scheduler']);
    assert.equal(parsed.record.sessions.length, 3);
    assert.ok(parsed.record.sessions.every((s) => s.userDirectory !== 'INTERNAL'));
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

describe('app-name table (docs/reference/sense-apis.md#app-name-table)', () => {
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

  it('reads the QRS fixture: id and name of each app, the other entity fields dropped', () => {
    assert.deepEqual(parseAppList(fixture('qrs-apps')), [
      { id: WAREHOUSE, name: 'Warehouse throughput' },
      { id: PUMPS, name: 'Anomaly watch - pumps' },
      { id: BOARD, name: 'Board pack (quarterly)' },
    ]);
  });

  it('accepts appNames.hostIP with an explicit port, defaulting to 4242', () => {
    assert.equal(qrsAuthority('qrs.corp'), 'qrs.corp:4242');
    assert.equal(qrsAuthority('127.0.0.1:40123'), '127.0.0.1:40123');
    assert.equal(qrsAuthority('[::1]'), '[::1]:4242');
    assert.equal(qrsAuthority('[::1]:9000'), '[::1]:9000');
    assert.equal(qrsAuthority('fe80::1'), '[fe80::1]:4242');
  });
});

describe('Sense API fixtures', () => {
  it('upstream compatibility: the own fixtures have the JSON shape of the corpus answers', {
    skip: corpusSkip,
  }, () => {
    assert.deepEqual(
      skeleton(fixture('engine-healthcheck')),
      skeleton(readCorpusJson('constructed/engine-healthcheck-response.json')),
    );
    const corpusSessions = readCorpusJson<unknown[]>('constructed/proxy-session-response.json');
    for (const session of fixture('proxy-sessions') as unknown[])
      assert.deepEqual(
        Object.keys(session as object).sort(),
        Object.keys(corpusSessions[0] as object).sort(),
      );
    const corpusApps = readCorpusJson<{ published: boolean }[]>('constructed/qrs-app-list-response.json');
    const shapeOf = (published: boolean) => skeleton(corpusApps.find((a) => a.published === published));
    for (const app of fixture('qrs-apps') as { published: boolean }[])
      assert.deepEqual(skeleton(app), shapeOf(app.published));
  });
});
