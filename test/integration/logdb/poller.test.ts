import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { LogDbRecord } from '../../../src/records/logdb.ts';
import { createLogDbPoller, startLogDbPoller } from '../../../src/sources/logdb/poller.ts';
import { QLOGS_LOG_ENTRIES_DDL } from '../../support/qlogs.ts';
import {
  freePort,
  type PrivateService,
  sharedServices,
  startPrivatePostgres,
  uniqueName,
} from '../../support/services.ts';
import { createFakeTimers } from '../../unit/ops/fake-timers.ts';

const SCHEMA = QLOGS_LOG_ENTRIES_DDL;

const READER = { user: '', password: 'reader-pw-secret-9' };
let adminUrl: URL;
let database: string;
let privatePg: PrivateService | undefined;
let admin: pg.Client;

before(async () => {
  let serverUrl: string;
  try {
    serverUrl = sharedServices().postgresUrl;
  } catch {
    privatePg = await startPrivatePostgres();
    serverUrl = privatePg.url;
  }
  database = uniqueName('qlogs').toLowerCase();
  READER.user = uniqueName('qlogs_reader').toLowerCase();
  const server = new pg.Client({ connectionString: serverUrl });
  await server.connect();
  await server.query(`CREATE DATABASE ${database}`);
  await server.query(`CREATE ROLE ${READER.user} LOGIN PASSWORD '${READER.password}'`);
  await server.end();
  adminUrl = new URL(serverUrl);
  adminUrl.pathname = `/${database}`;
  admin = new pg.Client({ connectionString: adminUrl.href });
  await admin.connect();
  await admin.query(SCHEMA);
  await admin.query(`GRANT SELECT ON public.log_entries TO ${READER.user}`);
});

after(async () => {
  await admin?.end();
  if (privatePg) {
    await privatePg.stop();
    return;
  }
  const server = new pg.Client({ connectionString: sharedServices().postgresUrl });
  await server.connect();
  await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await server.query(`DROP ROLE IF EXISTS ${READER.user}`);
  await server.end();
});

async function insert(
  level: string,
  message: string | null,
  ageSeconds = 0,
  client: pg.Client = admin,
): Promise<string> {
  const payload = message === null ? null : JSON.stringify({ Message: message, Logger: 'test' });
  const result = await client.query<{ id: string }>(
    `INSERT INTO public.log_entries (entry_timestamp, entry_level, process_host, process_name, payload)
     VALUES (now()::timestamp - make_interval(secs => $1), $2, 'sense1', 'Proxy', $3) RETURNING id::text AS id`,
    [ageSeconds, level, payload],
  );
  return result.rows[0]!.id;
}

function options(records: LogDbRecord[], extra: Record<string, unknown> = {}) {
  return {
    host: adminUrl.hostname,
    port: Number(adminUrl.port),
    database,
    user: READER.user,
    password: READER.password,
    pollingInterval: 60_000,
    queryPeriod: '5 minutes',
    log: createRecordingLogger(),
    onRecord: (r: LogDbRecord) => records.push(r),
    ...extra,
  };
}

test('rows inserted between polls are emitted exactly once; only warnings, errors and fatals', async () => {
  await admin.query('TRUNCATE public.log_entries');
  const records: LogDbRecord[] = [];
  const poller = createLogDbPoller(options(records));
  try {
    const errorId = await insert('ERROR', 'Proxy failed to connect');
    await insert('WARN', 'Slow response');
    await insert('INFO', 'Just info');
    await insert('ERROR', 'Too old', 3600);
    await insert('FATAL', null);
    assert.equal(await poller.pollOnce(), 3);
    assert.deepEqual(
      records.map((r) => [r.level, r.message]),
      [
        ['ERROR', 'Proxy failed to connect'],
        ['WARN', 'Slow response'],
        ['FATAL', ''],
      ],
    );
    const first = records[0]!;
    assert.equal(first.id, errorId);
    assert.equal(first.processHost, 'sense1');
    assert.equal(first.processName, 'Proxy');
    assert.deepEqual(first.payload, { Message: 'Proxy failed to connect', Logger: 'test' });
    assert.ok(Math.abs(first.timeMs - Date.now()) < 60_000);

    // Upstream re-read every row on each poll within the window; here repeats are dropped.
    assert.equal(await poller.pollOnce(), 0);
    assert.equal(await poller.pollOnce(), 0);
    await insert('ERROR', 'new one');
    await insert('WARN', 'new two');
    assert.equal(await poller.pollOnce(), 2);
    assert.deepEqual(
      records.slice(3).map((r) => r.message),
      ['new one', 'new two'],
    );
    assert.equal(await poller.pollOnce(), 0);
    assert.equal(new Set(records.map((r) => r.id)).size, records.length);
  } finally {
    await poller.stop();
  }
});

test('a row committed after a higher id was already read is still emitted once', async () => {
  await admin.query('TRUNCATE public.log_entries');
  const records: LogDbRecord[] = [];
  const poller = createLogDbPoller(options(records));
  const slow = new pg.Client({ connectionString: adminUrl.href });
  await slow.connect();
  try {
    await slow.query('BEGIN');
    const lowId = await insert('ERROR', 'slow writer', 0, slow);
    const highId = await insert('ERROR', 'fast writer');
    assert.ok(BigInt(lowId) < BigInt(highId));
    assert.equal(await poller.pollOnce(), 1);
    await slow.query('COMMIT');
    assert.equal(await poller.pollOnce(), 1);
    assert.deepEqual(
      records.map((r) => r.id),
      [highId, lowId],
    );
    assert.equal(await poller.pollOnce(), 0);
  } finally {
    await slow.end();
    await poller.stop();
  }
});

test('paging and a bounded seen-set still emit every row once', async () => {
  await admin.query('TRUNCATE public.log_entries');
  const records: LogDbRecord[] = [];
  const poller = createLogDbPoller(options(records, { seenCapacity: 3, pageSize: 2 }));
  try {
    for (let i = 0; i < 7; i++) await insert('ERROR', `row ${i}`);
    assert.equal(await poller.pollOnce(), 7);
    assert.equal(await poller.pollOnce(), 0);
    await insert('WARN', 'row 7');
    assert.equal(await poller.pollOnce(), 1);
    assert.deepEqual(
      records.map((r) => r.message),
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `row ${i}`),
    );
  } finally {
    await poller.stop();
  }
});

test('an unreachable database is logged once, reported, and never thrown; the password is never logged', async () => {
  const records: LogDbRecord[] = [];
  const log = createRecordingLogger();
  const errors: unknown[] = [];
  const port = await freePort();
  const poller = createLogDbPoller({
    ...options(records),
    port,
    log,
    onError: (e) => errors.push(e),
    connectionTimeoutMs: 2000,
  });
  try {
    assert.equal(await poller.pollOnce(), 0);
    assert.equal(await poller.pollOnce(), 0);
    assert.equal(errors.length, 2);
    assert.equal(log.lines.filter((l) => l.level === 'error').length, 1);
    assert.match(
      log.lines.find((l) => l.level === 'error')!.message,
      /^LOG DB: Error querying the log database: /,
    );
    for (const line of log.lines) assert.ok(!JSON.stringify(line).includes(READER.password));
  } finally {
    await poller.stop();
  }
});

test('bad options are clear errors', () => {
  const records: LogDbRecord[] = [];
  assert.throws(
    () =>
      createLogDbPoller(
        options(records, { extractErrors: false, extractWarnings: false, extractInfo: false }),
      ),
    /nothing to read/,
  );
  assert.throws(
    () => createLogDbPoller(options(records, { queryPeriod: "5 minutes'; DROP TABLE x; --" })),
    /logdb\.queryPeriod/,
  );
  assert.throws(() => createLogDbPoller(options(records, { pollingInterval: 10 })), /logdb\.pollingInterval/);
});

test('the started poller polls at once and then on its interval', async () => {
  await admin.query('TRUNCATE public.log_entries');
  const records: LogDbRecord[] = [];
  const timers = createFakeTimers(Date.now());
  await insert('ERROR', 'at start');
  const poller = startLogDbPoller(options(records, { timers, pollingInterval: 5000 }));
  try {
    await waitUntil(() => records.length === 1 && timers.pending() === 1);
    await insert('ERROR', 'later');
    timers.advance(5000);
    await waitUntil(() => records.length === 2);
    assert.deepEqual(
      records.map((r) => r.message),
      ['at start', 'later'],
    );
  } finally {
    await poller.stop();
  }
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
