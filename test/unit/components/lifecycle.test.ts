/**
 * The lifecycle contract, run over every source and destination of the registry: create and
 * stop without start; start, stop, stop again; start refused after stop; stop under load
 * within the deadline; and nothing left running afterwards (timers, sockets, file handles).
 *
 * Each component runs against loopback addresses where nothing answers (a destination that is
 * down, a Sense server that refuses), which is also the hardest case for a timely stop. A
 * component added to the registry without a row in COMPONENT_SETTINGS fails the first test.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { queueFactory } from '../../../src/agent/queues.ts';
import { DESTINATION_PLUGINS, loadPlugins, SOURCE_PLUGINS } from '../../../src/agent/registry.ts';
import type { Component } from '../../../src/components/component.ts';
import type { Destination, DestinationContext } from '../../../src/components/destination.ts';
import type { SourceContext } from '../../../src/components/source.ts';
import { loadConfigText } from '../../../src/config/load.ts';
import type { ButlerSosSettings } from '../../../src/config/schema.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { AgentRecord } from '../../../src/records/record.ts';
import { serverIdentity } from '../../../src/records/server.ts';
import { AppNameTable } from '../../../src/sources/app-names/table.ts';
import { parseHealthBody } from '../../../src/sources/engine-health/parse.ts';
import { parseLogEventDatagram } from '../../../src/sources/log-events/parse.ts';
import { sampleAuditQueueRecord, sampleAuditRecord } from '../../support/audit-envelopes.ts';
import { caseById, LOG_EVENTS } from '../../support/datagram-fixtures.ts';

/** Port 1 on loopback: nothing listens there, so connections are refused at once. */
const NOWHERE = { host: '127.0.0.1', port: 1 };
const folder = mkdtempSync(join(tmpdir(), 'butler-sos-lifecycle-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Per plug-in id: the config that switches it on, pointing at loopback. */
const COMPONENT_SETTINGS: Record<string, Record<string, unknown>> = {
  mqtt: { mqttConfig: { enable: true, brokerHost: NOWHERE.host, brokerPort: NOWHERE.port } },
  influxdb: {
    influxdbConfig: {
      enable: true,
      host: NOWHERE.host,
      port: NOWHERE.port,
      version: 1,
      v1Config: { auth: { enable: false, username: '', password: '' }, dbName: 'lifecycle' },
    },
  },
  'new-relic': {
    newRelic: {
      enable: true,
      metric: { url: `http://${NOWHERE.host}:${NOWHERE.port}/metric/v1`, destinationAccount: ['test'] },
      event: { url: `http://${NOWHERE.host}:${NOWHERE.port}/` },
    },
    thirdPartyToolsCredentials: {
      newRelic: [{ accountName: 'test', insertApiKey: 'key-123', accountId: '1' }],
    },
  },
  prometheus: {
    prometheus: {
      enable: true,
      host: '127.0.0.1',
      port: 0,
      nodeMetricsHost: '127.0.0.1',
      nodeMetricsPort: 0,
    },
  },
  'local-store': { localStore: { enable: true, file: join(folder, 'store.sqlite') } },
  file: { fileOutput: { enable: true, directory: join(folder, 'files') } },
  'remote-write': {
    remoteWrite: {
      enable: true,
      endpoints: [{ url: `http://${NOWHERE.host}:${NOWHERE.port}/api/v1/write` }],
    },
  },
  'sense-polls': {
    cert: {
      clientCert: join(folder, 'none.pem'),
      clientCertKey: join(folder, 'none.pem'),
      clientCertCA: join(folder, 'none.pem'),
    },
    serversToMonitor: {
      pollingInterval: 1000,
      servers: [
        { host: `${NOWHERE.host}:${NOWHERE.port}`, serverName: 'nowhere', serverDescription: 'refuses' },
      ],
    },
  },
  'log-events': {
    logEvents: {
      source: { engine: { enable: true } },
      udpServerConfig: { serverHost: '127.0.0.1', portLogEvents: 0 },
    },
  },
  'user-events': {
    userEvents: { enable: true, udpServerConfig: { serverHost: '127.0.0.1', portUserActivityEvents: 0 } },
  },
  'audit-api': {
    auditEvents: { enable: true, host: '127.0.0.1', port: 0 },
    delivery: { spoolEnable: false, spoolDirectory: join(folder, 'audit-spool') },
  },
  'audit-influxdb': {
    auditEvents: {
      enable: true,
      destination: {
        enable: true,
        type: 'influxdb',
        influxdb: { metadata: { host: NOWHERE.host, port: NOWHERE.port } },
      },
    },
  },
  'audit-parquet': {
    auditEvents: {
      enable: true,
      destination: {
        enable: true,
        type: 'parquet',
        parquet: { metadata: { exportDirectory: join(folder, 'parquet') } },
      },
    },
  },
  'audit-qvd': {
    auditEvents: {
      enable: true,
      destination: { enable: true, type: 'qvd', qvd: { metadata: { exportDirectory: join(folder, 'qvd') } } },
    },
  },
  'audit-json': {
    auditEvents: {
      enable: true,
      destination: {
        enable: true,
        type: 'json',
        json: { objectdata: { enable: true, exportDirectory: join(folder, 'json') } },
      },
    },
  },
  'audit-queue-metrics': {
    influxdbConfig: { enable: true, host: NOWHERE.host, port: NOWHERE.port, version: 1 },
    auditEvents: { enable: true, queue: { queueMetrics: { influxdb: { enable: true } } } },
  },
  logdb: {
    logdb: {
      enable: true,
      host: NOWHERE.host,
      port: NOWHERE.port,
      qlogsReaderUser: 'reader',
      qlogsReaderPwd: 'secret',
      pollingInterval: 1000,
    },
  },
};

function settingsFor(id: string): ButlerSosSettings {
  const overrides = COMPONENT_SETTINGS[id];
  assert.ok(overrides, `COMPONENT_SETTINGS has no row for the component "${id}"`);
  const base = { fileLogging: false, anonTelemetry: false, delivery: { spoolEnable: false } };
  return loadConfigText(stringify({ 'Butler-SOS': { ...base, ...overrides } }), `${id}.yaml`).config[
    'Butler-SOS'
  ];
}

function destinationContext(id: string): DestinationContext {
  const settings = settingsFor(id);
  const log = createRecordingLogger();
  const makeQueue = queueFactory(settings, undefined, log);
  return {
    settings,
    version: '0.0.0-test',
    log,
    createQueue: (name, sink, maxBatchSize) => makeQueue(id, name, sink, maxBatchSize),
    agent: { metrics: () => [], status: () => ({}) },
  };
}

function sourceContext(
  id: string,
  log = createRecordingLogger(),
  emitted: AgentRecord[] = [],
): SourceContext {
  return {
    settings: settingsFor(id),
    log,
    emit: (record) => emitted.push(record),
    appNames: new AppNameTable(),
    counters: {},
    trackError: () => undefined,
    hostname: 'lifecycle-test',
  };
}

/** One record of each kind the load test sends a destination (the first kind it accepts). */
function sampleRecords(): AgentRecord[] {
  const parsed = parseLogEventDatagram(caseById(LOG_EVENTS, 'engine-user-app').datagram, {
    receivedAtMs: Date.now(),
    timeNsOffset: 0,
    appNameOf: () => undefined,
  });
  assert.ok(parsed.ok);
  const server = serverIdentity({ host: 'sense1:4747', serverName: 'sense1', serverDescription: 'test' });
  const health = parseHealthBody(
    {
      version: '14.0',
      started: '20250101T000000.000Z',
      mem: {},
      cpu: {},
      session: {},
      apps: {},
      users: {},
      cache: {},
    },
    server,
    new AppNameTable(),
    Date.now(),
  );
  assert.ok(health.ok);
  return [parsed.event, health.record, sampleAuditRecord(), sampleAuditQueueRecord()];
}

/** Handles of the event loop by type, e.g. `{ Timeout: 2, UDPWRAP: 1 }`. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Waits until no handle type has more handles than before (closing sockets take a few ticks). */
async function assertNothingLeft(before: Map<string, number>, what: string): Promise<void> {
  let extra: string[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    extra = [...resources()]
      .filter(([type, count]) => count > (before.get(type) ?? 0))
      .map(([type, count]) => `${type} +${count - (before.get(type) ?? 0)}`);
    if (extra.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(extra, [], `${what} left handles running`);
}

interface Case {
  id: string;
  create(): Promise<Component>;
  /** Puts the started component under load; returns the function that ends the load. */
  load(component: Component): Promise<() => void>;
}

/** The log of each source created, where a UDP source says which port it bound. */
const sourceLogs = new WeakMap<Component, ReturnType<typeof createRecordingLogger>>();

const destinationPlugins = await loadPlugins(DESTINATION_PLUGINS);
const sourcePlugins = await loadPlugins(SOURCE_PLUGINS);

const cases: Case[] = [
  ...destinationPlugins.map(
    (plugin): Case => ({
      id: plugin.id,
      create: () => plugin.create(destinationContext(plugin.id)),
      async load(component) {
        const destination = component as Destination;
        const record = sampleRecords().find((r) => destination.accepts.has(r.kind));
        assert.ok(record, `${plugin.id} accepts a log event or a health record`);
        for (let i = 0; i < 20_000; i++) destination.deliver(record);
        return () => undefined;
      },
    }),
  ),
  ...sourcePlugins.map(
    (plugin): Case => ({
      id: plugin.id,
      async create() {
        const log = createRecordingLogger();
        const source = await plugin.create(sourceContext(plugin.id, log));
        sourceLogs.set(source, log);
        return source;
      },
      async load(component) {
        // UDP sources get a stream of datagrams to their port; pollers are busy with refusals.
        const listening = sourceLogs
          .get(component)
          ?.lines.map((line) => /UDP server listening on [\d.]+:(\d+)/.exec(line.message)?.[1])
          .find((port) => port !== undefined);
        return listening === undefined ? () => undefined : floodUdp(Number(listening));
      },
    }),
  ),
];

/** Sends log-event datagrams to a UDP port until the returned function is called. */
async function floodUdp(port: number): Promise<() => void> {
  const socket = createSocket('udp4');
  const datagram = Buffer.from(caseById(LOG_EVENTS, 'engine-user-app').datagram);
  const timer = setInterval(() => {
    for (let i = 0; i < 200; i++) socket.send(datagram, port, '127.0.0.1');
  }, 5);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return () => {
    clearInterval(timer);
    socket.close();
  };
}

test('every registered component has its settings here, and ids are unique', () => {
  const ids = cases.map((c) => c.id);
  assert.deepEqual([...new Set(ids)], ids);
  for (const id of ids) assert.ok(COMPONENT_SETTINGS[id], `no settings row for ${id}`);
  assert.ok(ids.includes('influxdb') && ids.includes('sense-polls'));
});

for (const c of cases) {
  describe(`component ${c.id}`, () => {
    test('create, then stop without start: nothing opened, nothing left', async () => {
      const before = resources();
      const component = await c.create();
      assert.equal(component.status().state, 'created');
      await component.stop(1000);
      assert.equal(component.status().state, 'stopped');
      await assertNothingLeft(before, c.id);
    });

    test('start, stop, stop again; a second start is refused', async () => {
      const before = resources();
      const component = await c.create();
      await component.start();
      assert.equal(component.status().state, 'running');
      await assert.rejects(component.start(), /starts once/);
      await component.stop(1000);
      await component.stop(1000);
      assert.equal(component.status().state, 'stopped');
      await assert.rejects(component.start(), /starts once/);
      await assertNothingLeft(before, c.id);
    });

    test('stop under load ends within its deadline and leaves nothing running', async () => {
      const before = resources();
      const component = await c.create();
      await component.start();
      const endLoad = await c.load(component);
      const deadlineMs = 500;
      const started = performance.now();
      await component.stop(deadlineMs);
      const took = performance.now() - started;
      endLoad();
      // The deadline, plus the queue's abort grace and one turn of the event loop.
      assert.ok(took < deadlineMs + 1000, `${c.id} took ${Math.round(took)} ms to stop`);
      await assertNothingLeft(before, c.id);
    });
  });
}
