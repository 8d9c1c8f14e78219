import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { collectSystemInfo, type SystemInfo } from '../../../src/ops/system-info.ts';
import { instanceIdFor } from '../../../src/ops/telemetry/instance-id.ts';
import { buildTelemetryPayload, type TelemetryConfig } from '../../../src/ops/telemetry/payload.ts';
import { startTelemetry } from '../../../src/ops/telemetry/telemetry.ts';
import { type FakePostHog, startFakePostHog } from '../../support/fake-posthog.ts';
import { createFakeTimers } from '../../unit/ops/fake-timers.ts';

const FIXTURE = new URL('../../fixtures/config/butler-sos-v14.yaml', import.meta.url);

/**
 * The complete v14 fixture (test/fixtures/README.md): real-looking host names, users, paths
 * and secrets, as an installation has them. None of its values may reach telemetry.
 */
function loadConfig(): TelemetryConfig {
  return parse(readFileSync(FIXTURE, 'utf8'))['Butler-SOS'] as TelemetryConfig;
}
const QRS_HOST = String((loadConfig().appNames as { hostIP: string }).hostIP);

/** Every string leaf of the config (the values that must never appear in telemetry). */
function stringLeaves(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const x of node) stringLeaves(x, out);
  else if (node && typeof node === 'object') for (const x of Object.values(node)) stringLeaves(x, out);
  else if (typeof node === 'number' && !Number.isInteger(node)) out.push(String(node));
  return out;
}

let fake: FakePostHog;
before(async () => {
  fake = await startFakePostHog();
});
after(async () => {
  await fake.close();
});

test('a real payload built on this machine reaches PostHog and carries nothing identifying', async () => {
  const config = loadConfig();
  const system: SystemInfo = await collectSystemInfo({ enable: true });
  const instanceId = instanceIdFor(system, QRS_HOST);
  const log = createRecordingLogger();
  const before = fake.events.length;
  const telemetry = startTelemetry({
    enabled: true,
    host: fake.url,
    apiKey: 'phc_test_project_key',
    buildPayload: () => buildTelemetryPayload({ config, system, instanceId, version: '14.0.0' }),
    log,
    env: {},
  });
  try {
    const events = await fake.waitForEvents(before + 1);
    const event = events[before]!;
    assert.equal(event.path, '/i/v0/e/');
    assert.equal(event.event, 'telemetry sent');
    assert.equal(event.apiKey, 'phc_test_project_key');
    assert.equal(event.distinctId, instanceId);
    assert.equal(event.properties.$geoip_disable, true, 'GeoIP enrichment off');
    assert.equal(event.properties.system_nodeVersion, process.version);
    assert.equal(
      event.properties.feature_influxdb_version,
      (config.influxdbConfig as { version: number }).version,
    );

    const sent = event.rawBody;
    const forbidden: string[] = [
      os.hostname(),
      QRS_HOST,
      system.network.mac,
      system.network.ip4,
      system.machineId,
    ];
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const a of addresses ?? []) {
        forbidden.push(a.address);
        if (a.mac !== '00:00:00:00:00:00') forbidden.push(a.mac);
      }
    }
    // No config value may be sent: only booleans, the rule count and the InfluxDB version.
    for (const value of stringLeaves(config)) if (value.length >= 4) forbidden.push(value);
    for (const value of forbidden.filter((v) => v && v.length >= 3)) {
      assert.ok(!sent.includes(value), `telemetry must not contain ${JSON.stringify(value)}`);
    }
    // Belt and braces: no IPv4 or MAC shaped text at all.
    assert.doesNotMatch(sent, /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    assert.doesNotMatch(sent, /\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/i);
    assert.ok(log.lines.some((l) => l.message === 'MAIN: Anonymous telemetry reporting has been set up.'));
  } finally {
    telemetry.stop();
  }
});

test('environment overrides host and key; no key means one info line and no request', async () => {
  const log = createRecordingLogger();
  const requests = fake.requests();
  const none = startTelemetry({
    enabled: true,
    host: fake.url,
    buildPayload: () => {
      throw new Error('must not build');
    },
    log,
    env: {},
  });
  none.stop();
  assert.equal(fake.requests(), requests);
  assert.equal(log.lines.length, 1);
  assert.equal(log.lines[0]!.level, 'info');
  assert.match(log.lines[0]!.message, /no telemetry project key/);

  const count = fake.events.length;
  const t = startTelemetry({
    enabled: true,
    host: 'http://127.0.0.1:1',
    apiKey: 'phc_config_key',
    buildPayload: () =>
      buildTelemetryPayload({ config: {}, system: undefined, instanceId: 'x'.repeat(64), version: '1' }),
    log,
    env: { BUTLER_SOS_TELEMETRY_HOST: fake.url, BUTLER_SOS_TELEMETRY_KEY: 'phc_env_key' },
  });
  try {
    const events = await fake.waitForEvents(count + 1);
    assert.equal(events[count]!.apiKey, 'phc_env_key');
  } finally {
    t.stop();
  }
});

test('failures are logged once per outage, time out quickly and never throw', async () => {
  const log = createRecordingLogger();
  fake.setMode(500);
  const t = startTelemetry({
    enabled: true,
    host: fake.url,
    apiKey: 'k',
    buildPayload: () =>
      buildTelemetryPayload({ config: {}, system: undefined, instanceId: undefined, version: '1' }),
    log,
    env: {},
    timeoutMs: 300,
  });
  try {
    // The start-up send runs in the background; two more sends fail the same way.
    assert.equal(await t.sendNow(), false);
    assert.equal(await t.sendNow(), false);
    fake.setMode('hang');
    const started = Date.now();
    assert.equal(await t.sendNow(), false);
    assert.ok(Date.now() - started < 3000);
    const warnings = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!.message, /^TELEMETRY: Could not send anonymous telemetry \(HTTP status 500\)/);
    assert.ok(log.lines.some((l) => l.level === 'debug' && /timed out after 300 ms/.test(l.message)));
    fake.setMode('ok');
    assert.equal(await t.sendNow(), true);
  } finally {
    t.stop();
  }
});

test('telemetry off: the explanation is logged and nothing is sent', () => {
  const log = createRecordingLogger();
  const requests = fake.requests();
  startTelemetry({
    enabled: false,
    apiKey: 'k',
    host: fake.url,
    buildPayload: () => {
      throw new Error('no');
    },
    log,
    env: {},
  }).stop();
  assert.equal(fake.requests(), requests);
  assert.equal(log.lines[0]!.message, 'MAIN: Anonymous telemetry reporting is disabled.');
  assert.ok(log.lines.every((l) => l.level === 'info'));
});

test('after the start-up event, one event every 12 hours', async () => {
  const timers = createFakeTimers(Date.parse('2026-05-01T08:00:00Z'));
  const count = fake.events.length;
  const t = startTelemetry({
    enabled: true,
    host: fake.url,
    apiKey: 'k',
    buildPayload: () =>
      buildTelemetryPayload({ config: {}, system: undefined, instanceId: undefined, version: '1' }),
    log: createRecordingLogger(),
    env: {},
    timers,
  });
  try {
    await fake.waitForEvents(count + 1);
    timers.advance(12 * 60 * 60 * 1000 - 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.events.length, count + 1, 'nothing before 12 hours');
    timers.advance(1);
    await fake.waitForEvents(count + 2);
    assert.equal(fake.events.length, count + 2);
  } finally {
    t.stop();
  }
});
