/**
 * Local store write throughput: can it keep up with 25 000 points/s?
 *
 * Writes batches of a realistic mix (mostly log events, some user events and engine health
 * points) into a file-backed store (WAL, one transaction per batch), first as fast as it can,
 * then with a small size cap so that pruning runs during the writes. Prints points/s and
 * what share of one second 25 000 points cost.
 *
 *   node bench/store-write.ts [seconds=5] [batch=1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore } from '../src/destinations/local-store/local-store.ts';
import { createRecordingLogger } from '../src/logging/logger.ts';
import type { InfluxPoint } from '../src/mapping/shapes.ts';

const seconds = Number(process.argv[2] ?? 5);
const batchSize = Number(process.argv[3] ?? 1000);

function makePoint(i: number, t: number): InfluxPoint {
  const server = `sense${(i % 3) + 1}`;
  if (i % 50 === 0) {
    return {
      measurement: 'mem',
      tags: { host: `${server}.corp.local`, server_name: server, server_description: 'Central node' },
      fields: {
        comitted: { type: 'float', value: 1200 + (i % 100) },
        allocated: { type: 'float', value: 900 + (i % 70) },
        free: { type: 'float', value: 15_000 - (i % 90) },
      },
      timeMs: t,
    };
  }
  if (i % 10 === 0) {
    return {
      measurement: 'user_events',
      tags: {
        host: `${server}.corp.local`,
        event_action: 'Open connection',
        userFull: `CORP\\user${i % 200}`,
        userDirectory: 'CORP',
        userId: `user${i % 200}`,
        origin: 'AppAccess',
      },
      fields: { userFull: { type: 'string', value: `CORP\\user${i % 200}` } },
      timeMs: t,
    };
  }
  return {
    measurement: 'log_event',
    tags: {
      host: `${server}.corp.local`,
      level: i % 7 === 0 ? 'ERROR' : 'WARN',
      source: 'qseow-proxy',
      log_row: String(i),
      subsystem: 'Proxy.Proxy.Core.RESTInterface',
    },
    fields: {
      message: { type: 'string', value: `Connection ${i} to ${server} was closed by the remote host` },
      raw_event: { type: 'string', value: `{"source":"qseow-proxy","log_row":"${i}","message":"..."}` },
    },
    timeMs: t,
  };
}

async function run(label: string, maxBytes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  const store = createLocalStore({
    file: join(dir, 'store.sqlite'),
    retentionHours: 24,
    maxBytes,
    log: createRecordingLogger(),
    maintenanceIntervalMs: 1000,
  });
  let i = 0;
  let busyMs = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const batch: InfluxPoint[] = [];
    const t = Date.now();
    for (let k = 0; k < batchSize; k++) batch.push(makePoint(i++, t));
    const t0 = performance.now();
    await store.write(batch);
    busyMs += performance.now() - t0;
  }
  const elapsed = (performance.now() - start) / 1000;
  const s = store.stats();
  const rate = i / (busyMs / 1000);
  console.log(
    `${label}: ${i.toLocaleString('en-US')} points in ${elapsed.toFixed(1)} s, write time ${(busyMs / 1000).toFixed(2)} s → ` +
      `${Math.round(rate).toLocaleString('en-US')} points/s; 25 000 points cost ${((25_000 / rate) * 1000).toFixed(0)} ms of one second`,
  );
  console.log(
    `  rows kept ${s.rows.toLocaleString('en-US')}, used ${(s.usedBytes / 1024 / 1024).toFixed(1)} MiB of ${(s.maxBytes / 1024 / 1024).toFixed(0)} MiB cap, ` +
      `disk ${(s.diskBytes / 1024 / 1024).toFixed(1)} MiB, pruned by size ${s.pruned.size.toLocaleString('en-US')}`,
  );
  const q0 = performance.now();
  const rows = store.events({
    measurement: 'log_event',
    text: 'sense2',
    tags: { level: ['ERROR'] },
    limit: 200,
  });
  console.log(`  filtered log query: ${rows.length} rows in ${(performance.now() - q0).toFixed(1)} ms`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

await run('uncapped (200 MiB)', 200 * 1024 * 1024);
await run('capped at 16 MiB (pruning while writing)', 16 * 1024 * 1024);
