/**
 * The InfluxDB point table the InfluxDB destination and the local store share: which kinds
 * each takes under the config's switches, and the options each mapping gets from the config.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadConfigText } from '../../../src/config/load.ts';
import type { ButlerSosSettings } from '../../../src/config/schema.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { influxPointMappings } from '../../../src/mapping/influx-points.ts';
import type { EventCountsRecord } from '../../../src/records/event-counts.ts';

function settings(butlerSos: Record<string, unknown>): ButlerSosSettings {
  return loadConfigText(stringify({ 'Butler-SOS': butlerSos }), 'test.yaml').config['Butler-SOS'];
}

const counts: EventCountsRecord = {
  kind: 'event-counts',
  timeMs: 1_700_000_000_000,
  counts: [
    { event_type: 'log', source: 'qseow-engine', host: 'qs1', subsystem: 'System.Engine', counter: 3 },
  ],
  rejected: [
    {
      source: 'qseow-qix-perf',
      app_id: 'a7c1e0f2-5b3d-4e69-8f1a-2c4b6d8e0f13',
      app_name: 'Freight',
      method: 'Global::OpenApp',
      object_type: 'app',
      counter: 2,
      process_time: 12.5,
    },
  ],
};

const countingConfig = {
  influxdbConfig: { enable: true, host: '127.0.0.1' },
  qlikSenseEvents: {
    influxdb: { enable: true, writeFrequency: 60000 },
    eventCount: {
      enable: true,
      influxdb: { measurementName: 'event_count', tags: [{ name: 'site', value: 'north' }] },
    },
    rejectedEventCount: { enable: true, influxdb: { measurementName: 'rejected_event_count' } },
  },
  logEvents: {
    enginePerformanceMonitor: {
      enable: true,
      trackRejectedEvents: { enable: true, tags: [{ name: 'qs_env', value: 'prod' }] },
    },
  },
};

describe('InfluxDB point table', () => {
  it('rejected event counts carry the trackRejectedEvents tags, event counts their own', () => {
    const map = influxPointMappings({
      settings: settings(countingConfig),
      version: 1,
      agentVersion: '1.0.0',
      honourSwitches: true,
      log: createRecordingLogger(),
    });
    const points = map['event-counts']!(counts);
    const rejected = points.find((p) => p.measurement === 'rejected_event_count');
    const counted = points.find((p) => p.measurement === 'event_count');
    assert.equal(rejected?.tags.qs_env, 'prod');
    assert.equal(rejected?.tags.site, undefined);
    assert.equal(counted?.tags.site, 'north');
    assert.equal(counted?.tags.qs_env, undefined);
  });

  it('InfluxDB leaves out the kinds its switches turn off; the local store keeps them', () => {
    const off = settings({
      ...countingConfig,
      qlikSenseEvents: { ...countingConfig.qlikSenseEvents, influxdb: { enable: false } },
      logEvents: { sendToInfluxdb: { enable: false } },
      userEvents: { sendToInfluxdb: { enable: false } },
    });
    const log = createRecordingLogger();
    const influx = influxPointMappings({
      settings: off,
      version: 1,
      agentVersion: '1',
      honourSwitches: true,
      log,
    });
    const store = influxPointMappings({
      settings: off,
      version: 2,
      agentVersion: '1',
      honourSwitches: false,
      log,
    });
    for (const kind of ['log-event', 'user-event', 'event-counts'] as const) {
      assert.equal(influx[kind], undefined, `InfluxDB takes no ${kind}`);
      assert.equal(typeof store[kind], 'function', `the store takes ${kind}`);
    }
    assert.equal(typeof influx['engine-health'], 'function');
  });
});
