/**
 * The file destination: every record kind written as one JSON line and read back equal;
 * rotation by size and by day; retention; the spool and status it gets from its queue.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { queueFactory } from '../../../../src/agent/queues.ts';
import type { DestinationContext } from '../../../../src/components/destination.ts';
import { loadConfigText } from '../../../../src/config/load.ts';
import { createFileDestination } from '../../../../src/destinations/file/destination.ts';
import { createFileSink } from '../../../../src/destinations/file/file-sink.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { AgentRecord } from '../../../../src/records/record.ts';
import { RECORD_KINDS } from '../../../../src/records/record.ts';
import { parseLogEventDatagram } from '../../../../src/sources/log-events/parse.ts';
import { parseUserEventDatagram } from '../../../../src/sources/user-events/parse.ts';
import { caseById, LOG_EVENTS, USER_EVENTS } from '../../../support/datagram-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'butler-sos-file-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const newFolder = () => join(root, `case-${++folders}`);

function context(fileOutput: Record<string, unknown>): DestinationContext {
  const settings = loadConfigText(
    stringify({
      'Butler-SOS': { fileOutput: { enable: true, ...fileOutput }, delivery: { flushIntervalMs: 20 } },
    }),
    'file.yaml',
  ).config['Butler-SOS'];
  const log = createRecordingLogger();
  const makeQueue = queueFactory(settings, undefined, log);
  return {
    settings,
    version: '1.2.3',
    log,
    createQueue: (name, sink, maxBatchSize) => makeQueue('file', name, sink, maxBatchSize),
    agent: { metrics: () => [], status: () => ({}) },
  };
}

/** One record of every kind, from fixtures where the agent has a parser, else as sources build them. */
function oneOfEachKind(): AgentRecord[] {
  const at = 1_765_000_000_000;
  const log = parseLogEventDatagram(caseById(LOG_EVENTS, 'engine-user-app').datagram, {
    receivedAtMs: at,
    timeNsOffset: 17,
    appNameOf: () => 'Freight costs 2025',
  });
  const user = parseUserEventDatagram(caseById(USER_EVENTS, 'session-start-chrome-windows').datagram, {
    receivedAtMs: at + 1,
    timeNsOffset: 3,
    appNameOf: () => undefined,
  });
  assert.ok(log.ok && user.ok);
  const server = { serverName: 'qs1', host: 'qs1:4747', serverDescription: 'node 1', tags: { host: 'qs1' } };
  return [
    log.event,
    user.event,
    {
      kind: 'uptime',
      timeMs: at,
      iteration: 1,
      uptimeMs: 5,
      intervalMs: 60_000,
      heapUsed: 1,
      heapTotal: 2,
      external: 3,
      rss: 4,
    },
    { kind: 'event-counts', timeMs: at, counts: [], rejected: [] },
    {
      kind: 'app-names',
      timeMs: at,
      host: 'qrs:4242',
      apps: [{ id: 'a', name: 'App A' }],
    } as unknown as AgentRecord,
    {
      kind: 'failed-poll',
      timeMs: at,
      pollKind: 'health',
      serverName: 'qs1',
      host: 'qs1:4747',
      server,
      failure: {
        reason: 'refused',
        message: 'connect ECONNREFUSED',
        requestUrl: 'https://qs1:4747/engine/healthcheck',
      },
    },
  ];
}

async function filesOf(folder: string): Promise<string[]> {
  return readdirSync(folder).sort();
}

/** File names in the order they were written: by day, then by number (none before .1, .2, …). */
function inWriteOrder(names: string[]): string[] {
  const key = (name: string) => {
    const match = /-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.ndjson$/.exec(name);
    return [match?.[1] ?? '', Number(match?.[2] ?? 0)] as const;
  };
  return names.sort((a, b) => {
    const [dayA, nA] = key(a);
    const [dayB, nB] = key(b);
    return dayA === dayB ? nA - nB : dayA < dayB ? -1 : 1;
  });
}

function linesOf(folder: string): Record<string, unknown>[] {
  return inWriteOrder(readdirSync(folder)).flatMap((name) =>
    readFileSync(join(folder, name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

describe('file destination', () => {
  it('accepts every record kind by default, and only the listed kinds when `kinds` is set', async () => {
    assert.deepEqual(
      [...(await createFileDestination(context({ directory: newFolder() }))).accepts].sort(),
      [...RECORD_KINDS].sort(),
    );
    const some = createFileDestination(context({ directory: newFolder(), kinds: ['log-event', 'uptime'] }));
    assert.deepEqual([...some.accepts].sort(), ['log-event', 'uptime']);
  });

  it('writes each record as one JSON line that reads back as the record, with its time first', async () => {
    const folder = newFolder();
    const destination = createFileDestination(context({ directory: folder }));
    await destination.start();
    const records = oneOfEachKind();
    for (const record of records) destination.deliver(record);
    await destination.stop(2000);
    const lines = linesOf(folder);
    assert.equal(lines.length, records.length);
    for (const [i, record] of records.entries()) {
      const { time, ...rest } = lines[i]!;
      assert.deepEqual(rest, JSON.parse(JSON.stringify(record)));
      const ms = 'timeMs' in record ? record.timeMs : record.receivedAtMs;
      assert.equal(time, new Date(ms).toISOString());
      assert.equal(Object.keys(lines[i]!)[0], 'time');
    }
    const [status] = destination.queues();
    assert.equal(status?.destination, 'file');
    assert.equal(status?.stats.delivered, records.length);
    assert.equal(status?.name, `Files in ${folder}`);
  });

  it('goes on appending to the last file of the day after a restart', async () => {
    const folder = newFolder();
    for (let run = 0; run < 2; run++) {
      const destination = createFileDestination(context({ directory: folder }));
      await destination.start();
      for (const record of oneOfEachKind()) destination.deliver(record);
      await destination.stop(2000);
    }
    assert.equal((await filesOf(folder)).length, 1);
    assert.equal(linesOf(folder).length, 2 * oneOfEachKind().length);
  });
});

describe('file sink', () => {
  it('starts a new file before one would pass the size limit, and loses no line', async () => {
    const folder = newFolder();
    const sink = await createFileSink({
      directory: folder,
      fileName: 'bsos',
      maxFileBytes: 1000,
      retentionDays: 7,
      log: createRecordingLogger(),
    });
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(40) }));
    for (let i = 0; i < lines.length; i += 7) await sink.write(lines.slice(i, i + 7));
    await sink.close();
    const names = await filesOf(folder);
    assert.ok(names.length >= 5, `${names.length} files`);
    for (const name of names) {
      assert.match(name, /^bsos-\d{4}-\d{2}-\d{2}(\.\d+)?\.ndjson$/);
      assert.ok(statSync(join(folder, name)).size <= 1000, `${name} is within the limit`);
    }
    assert.deepEqual(
      linesOf(folder).map((line) => line.n),
      lines.map((_, i) => i),
    );
  });

  it('starts a new file when the UTC day changes, and deletes files of days past the retention', async () => {
    const folder = newFolder();
    mkdirSync(folder, { recursive: true });
    const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`);
    // Files of old days, one of another name, one that is not ours.
    for (const name of [
      'bsos-2026-11-20.ndjson',
      'bsos-2026-11-20.1.ndjson',
      'bsos-2026-11-30.ndjson',
      'other-2026-01-01.ndjson',
      'notes.txt',
    ]) {
      writeFileSync(join(folder, name), '{}\n');
    }
    let now = day('2026-12-03');
    const sink = await createFileSink({
      directory: folder,
      fileName: 'bsos',
      maxFileBytes: 1_000_000,
      retentionDays: 5,
      log: createRecordingLogger(),
      now: () => now,
    });
    // At start: 2026-11-20 is older than 5 days before 2026-12-03; 2026-11-30 is not.
    assert.deepEqual(await filesOf(folder), [
      'bsos-2026-11-30.ndjson',
      'notes.txt',
      'other-2026-01-01.ndjson',
    ]);
    await sink.write(['{"a":1}']);
    now = day('2026-12-06');
    await sink.write(['{"a":2}']);
    await sink.close();
    // At the new day: 2026-11-30 is now older than 5 days.
    assert.deepEqual(await filesOf(folder), [
      'bsos-2026-12-03.ndjson',
      'bsos-2026-12-06.ndjson',
      'notes.txt',
      'other-2026-01-01.ndjson',
    ]);
    assert.equal(readFileSync(join(folder, 'bsos-2026-12-06.ndjson'), 'utf8'), '{"a":2}\n');
  });

  it('keeps every file when retention is 0', async () => {
    const folder = newFolder();
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'bsos-2001-01-01.ndjson'), '{}\n');
    const sink = await createFileSink({
      directory: folder,
      fileName: 'bsos',
      maxFileBytes: 1000,
      retentionDays: 0,
      log: createRecordingLogger(),
    });
    await sink.close();
    assert.deepEqual(await filesOf(folder), ['bsos-2001-01-01.ndjson']);
  });
});
