/**
 * Line protocol encoding throughput for typical `log_event` points (the hot path: one line
 * per log event): an engine warning with a raw_event JSON and a qix-perf event with numeric
 * fields, half of them with a tag value that needs escaping.
 *
 *   node bench/line-protocol.ts [--points 200000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { encodeLine } from '../src/destinations/influxdb/line-protocol.ts';
import type { InfluxPoint } from '../src/mapping/shapes.ts';

const { values } = parseArgs({
  options: { points: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } },
});
const count = Number(values.points);
const rounds = Number(values.rounds);

function engineEvent(i: number): InfluxPoint {
  const raw = {
    source: 'qseow-engine',
    log_row: String(i),
    ts_iso: '2024-03-05T12:01:02.123+0100',
    level: 'WARN',
    host: 'SENSE1',
    subsystem: 'System.Engine.Engine',
    windows_user: 'CORP\\qlikservice',
    message: `Document "Sales app" was reloaded by user CORP\\jdoe (${i})`,
    user_full: 'CORP\\jdoe',
    session_id: '4c4c4c4c-4c4c-4c4c-4c4c-4c4c4c4c4c4c',
  };
  return {
    measurement: 'log_event',
    tags: {
      host: 'SENSE1',
      level: 'WARN',
      source: 'qseow-engine',
      log_row: String(i),
      subsystem: 'System.Engine.Engine',
      user_full: 'CORP\\jdoe',
      user_directory: 'CORP',
      user_id: 'jdoe',
      result_code: '',
      windows_user: 'CORP\\qlikservice',
      app_name: i % 2 === 0 ? 'Sales app' : 'Sales_app',
      engine_exe_version: '12.1306.6',
      qs_log_category: 'unknown',
      env: 'DEV',
    },
    fields: {
      message: { type: 'string', value: raw.message },
      session_id: { type: 'string', value: raw.session_id },
      raw_event: { type: 'string', value: JSON.stringify(raw) },
    },
    timeMs: 1_700_000_000_000 + i,
    timeNsOffset: i % 1000,
  };
}

function qixPerfEvent(i: number): InfluxPoint {
  return {
    measurement: 'log_event',
    tags: {
      host: 'SENSE1',
      level: 'INFO',
      source: 'qseow-qix-perf',
      log_row: '-1',
      subsystem: 'QixPerformance.Engine.Engine',
      method: 'GenericObject::GetLayout',
      object_type: 'barchart',
      proxy_session_id: '3b3b3b3b-3b3b-3b3b-3b3b-3b3b3b3b3b3b',
      session_id: '4c4c4c4c-4c4c-4c4c-4c4c-4c4c4c4c4c4c',
      event_activity_source: 'user',
      app_id: 'a1b2c3d4-0000-4000-8000-000000000001',
      app_name: 'Sales app',
      object_id: 'rwPjBk',
    },
    fields: {
      app_id: { type: 'string', value: 'a1b2c3d4-0000-4000-8000-000000000001' },
      process_time: { type: 'float', value: 12.5 + (i % 7) },
      work_time: { type: 'float', value: 11 },
      lock_time: { type: 'float', value: 0 },
      validate_time: { type: 'float', value: 0.2 },
      traverse_time: { type: 'float', value: 1.1 },
      handle: { type: 'integer', value: 5 },
      net_ram: { type: 'integer', value: 123456 + i },
      peak_ram: { type: 'integer', value: 234567 },
      raw_event: { type: 'string', value: '{"source":"qseow-qix-perf","method":"GenericObject::GetLayout"}' },
    },
    timeMs: 1_700_000_000_000 + i,
  };
}

const points = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? engineEvent(i) : qixPerfEvent(i)));
let bytes = 0;
for (const p of points.slice(0, 1000)) bytes += encodeLine(p).length;
console.log(
  `line-protocol: ${count} log_event points per round, mean line ${(bytes / 1000).toFixed(0)} chars`,
);

const rates: number[] = [];
let sink = 0;
for (let round = 0; round < rounds; round++) {
  const start = process.hrtime.bigint();
  for (const p of points) sink += encodeLine(p).length;
  const ns = Number(process.hrtime.bigint() - start);
  const rate = count / (ns / 1e9);
  rates.push(rate);
  console.log(
    `  round ${round + 1}: ${Math.round(rate).toLocaleString('en')} lines/s (${(ns / count).toFixed(0)} ns/line)`,
  );
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)]!;
console.log(
  `line-protocol: median ${Math.round(median).toLocaleString('en')} lines/s (checksum ${sink % 997})`,
);
