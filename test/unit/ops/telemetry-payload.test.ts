import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import { mock, test } from 'node:test';
import { collectSystemInfo, type SystemInfo } from '../../../src/ops/system-info.ts';
import { computeInstanceId, instanceIdFor } from '../../../src/ops/telemetry/instance-id.ts';
import { buildTelemetryPayload } from '../../../src/ops/telemetry/payload.ts';

test('instance id reproduces the HMAC vectors of docs/reference/runtime.md#instance-id when the QRS host is empty', () => {
  const vectors: [string, string, string, string][] = [
    [
      '00:00:00:00:00:00',
      '127.0.0.1',
      'disabled',
      '6f2eea6178b45c97bf04cf9668ba9cf4156eba927168d13e65398399c80b7d8a',
    ],
    [
      '00:15:5d:01:02:03',
      '192.168.1.50',
      '4c4c4544-0042-3510-8052-b7c04f4d4a32',
      '7b86052a74c8bc0890bc5cf8c97fac064aa33fa5c292fa526b0c315eddbbbea2',
    ],
    [
      '02:42:ac:11:00:02',
      '172.17.0.2',
      '',
      'fc0c9b4f5ca1cb90ce596d741654ab09cec6d816a3dd02ff188fecaced101a42',
    ],
  ];
  for (const [mac, ip4, machineId, id] of vectors) {
    assert.equal(computeInstanceId({ mac, ip4, qrsHost: '', machineId }), id);
  }
});

test('the QRS host is part of the id, and the id is stable for the same inputs', () => {
  const inputs = { mac: '00:15:5d:01:02:03', ip4: '192.168.1.50', machineId: 'abc' };
  const a = computeInstanceId({ ...inputs, qrsHost: 'sense1.corp.local' });
  const b = computeInstanceId({ ...inputs, qrsHost: 'sense2.corp.local' });
  assert.notEqual(a, b);
  assert.equal(a, computeInstanceId({ ...inputs, qrsHost: 'sense1.corp.local' }));
  assert.match(a, /^[0-9a-f]{64}$/);
});

const EXPECTED_PROPERTIES = [
  'service',
  'serviceVersion',
  'system_id',
  'system_arch',
  'system_platform',
  'system_release',
  'system_distro',
  'system_codename',
  'system_virtual',
  'system_isRunningInDocker',
  'system_nodeVersion',
  'feature_heartbeat',
  'feature_dockerHealthCheck',
  'feature_uptimeMonitor',
  'feature_uptimeMonitor_storeNewRelic',
  'feature_udpServer',
  'feature_eventCount',
  'feature_rejectedEventCount',
  'feature_userEvents',
  'feature_userEventsMQTT',
  'feature_userEventsInfluxdb',
  'feature_userEventsNewRelic',
  'feature_logEventsProxy',
  'feature_logEventsScheduler',
  'feature_logEventsRepository',
  'feature_logEventCategorise',
  'feature_logEventCategoriseRuleCount',
  'feature_logEventCategoriseRuleDefault',
  'feature_logEventEnginePerformanceMonitor',
  'feature_logEventEnginePerformanceMonitorNameLookup',
  'feature_logEventEnginePerformanceMonitorTrackRejected',
  'feature_logEventsMQTT',
  'feature_logEventsInfluxdb',
  'feature_logEventsNewRelic',
  'feature_mqtt',
  'feature_newRelic',
  'feature_prometheus',
  'feature_influxdb',
  'feature_influxdb_version',
  'feature_appNames',
  'feature_userSessions',
  'telemetry_json',
];

test('payload has exactly the properties of docs/reference/runtime.md#telemetry-event; flags are true only for exactly true', () => {
  const config = {
    heartbeat: { enable: true },
    dockerHealthCheck: { enable: 'true' },
    uptimeMonitor: { enable: true, storeNewRelic: { enable: true } },
    userEvents: { enable: true, sendToMQTT: { enable: true } },
    logEvents: { categorise: { enable: true, rules: [{}, {}, {}], ruleDefault: { enable: false } } },
    influxdbConfig: { enable: true, version: 2, host: 'influx.corp.local' },
    appNames: { enableAppNameExtract: true, hostIP: 'qrs.corp.local' },
  };
  const payload = buildTelemetryPayload({
    config,
    system: undefined,
    instanceId: undefined,
    version: '1.2.3',
  });
  assert.equal(payload.event, 'telemetry sent');
  assert.equal(payload.distinctId, 'unknown-host-id');
  const p = payload.properties;
  assert.deepEqual(Object.keys(p), EXPECTED_PROPERTIES);
  assert.equal(p.serviceVersion, '1.2.3');
  assert.equal(p.feature_heartbeat, true);
  assert.equal(p.feature_dockerHealthCheck, false, 'a string "true" is not a flag');
  assert.equal(p.feature_uptimeMonitor_storeNewRelic, true);
  assert.equal(p.feature_udpServer, true);
  assert.equal(p.feature_logEventCategoriseRuleCount, 3);
  assert.equal(p.feature_influxdb_version, 2);
  assert.equal(p.feature_prometheus, false);
  assert.equal(p.system_arch, 'unknown');
  assert.equal(p.system_virtual, false);
  assert.equal(p.telemetry_json.enabledFeatures.feature.uptimeMonitorNewRelic, true);
  assert.equal(p.telemetry_json.enabledFeatures.feature.influxdbVersion, 2);
  const text = JSON.stringify(payload);
  assert.ok(!text.includes('corp.local'), 'no host names');
});

const SPAWNERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

function spyOnChildProcess() {
  return SPAWNERS.map((name) => mock.method(childProcess, name));
}

test('system info disabled: fixed substitutes, and no child process is spawned on any OS', async () => {
  const spies = spyOnChildProcess();
  try {
    for (const platform of ['win32', 'darwin', 'linux'] as const) {
      const info = await collectSystemInfo({ enable: false, platform });
      assert.equal(info.detailed, false);
      assert.deepEqual(info.network, { name: 'default', mac: '00:00:00:00:00:00', ip4: '127.0.0.1' });
      assert.equal(info.machineId, 'disabled');
      assert.equal(info.release, 'unknown');
      assert.equal(info.totalMemory, 0);
      assert.equal(
        instanceIdFor(info, ''),
        '6f2eea6178b45c97bf04cf9668ba9cf4156eba927168d13e65398399c80b7d8a',
      );
    }
    for (const spy of spies) assert.equal(spy.mock.callCount(), 0);
  } finally {
    mock.restoreAll();
  }
});

test('system info enabled on macOS reads the machine id through a command (the spy sees it)', async () => {
  const execFile = mock.method(childProcess, 'execFile', ((
    _cmd: string,
    _args: string[],
    _opts: unknown,
    cb: (e: Error | null, out: string) => void,
  ) => {
    cb(null, '  "IOPlatformUUID" = "ABCDEF01-2345-6789-ABCD-EF0123456789"\n');
  }) as never);
  try {
    const info: SystemInfo = await collectSystemInfo({ enable: true, platform: 'darwin' });
    assert.equal(execFile.mock.callCount(), 1);
    assert.equal(execFile.mock.calls[0]!.arguments[0], 'ioreg');
    assert.equal(info.machineId, 'abcdef01-2345-6789-abcd-ef0123456789');
    assert.equal(info.detailed, true);
  } finally {
    mock.restoreAll();
  }
});

test('system info enabled on Linux uses files only', async () => {
  const spies = spyOnChildProcess();
  try {
    const info = await collectSystemInfo({ enable: true, platform: 'linux' });
    assert.equal(info.detailed, true);
    assert.notEqual(info.distro, 'unknown');
    assert.ok(info.totalMemory > 0);
    for (const spy of spies) assert.equal(spy.mock.callCount(), 0);
  } finally {
    mock.restoreAll();
  }
});
