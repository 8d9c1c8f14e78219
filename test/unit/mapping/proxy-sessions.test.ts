import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { NewRelicMetricConfig } from '../../../src/mapping/engine-health.ts';
import {
  proxySessionsToInflux,
  proxySessionsToMqtt,
  proxySessionsToNewRelic,
  proxySessionsToPrometheus,
} from '../../../src/mapping/proxy-sessions.ts';
import type { InfluxVersion } from '../../../src/mapping/shapes.ts';
import type { ProxySessionsRecord } from '../../../src/records/proxy-sessions.ts';
import { serverIdentity } from '../../../src/records/server.ts';
import { encodeLine } from '../../../src/sinks/influxdb/line-protocol.ts';
import { parseSessionsBody } from '../../../src/sources/proxy-sessions/parse.ts';
import { CONSTRUCTED_FIXTURES } from '../../support/fixtures.ts';

const body = JSON.parse(readFileSync(`${CONSTRUCTED_FIXTURES}proxy-session-response.json`, 'utf8'));
const server = serverIdentity({
  host: 'sense1.corp.local:4747',
  serverName: 'sense1',
  serverDescription: 'Central node',
  serverTags: { server_group: 'PROD' },
});

function record(virtualProxy = '/hdr'): ProxySessionsRecord {
  const parsed = parseSessionsBody(body, {
    server,
    virtualProxy,
    userSessionHost: 'sense1.corp.local:4243',
    excludeUser: [{ directory: 'INTERNAL', userId: 'sa_scheduler' }],
    timeMs: 1_709_640_062_000,
  });
  assert.ok(parsed.ok);
  return parsed.record;
}

const on = { influxdbConfig: { enable: true } };
const lines = (version: InfluxVersion) =>
  proxySessionsToInflux(record(), version, on).map((p) => encodeLine(p).replace(/ \d+$/, ''));

describe('proxy sessions → InfluxDB', () => {
  it('v1: summary, list without session_count, details of non-excluded users, ST in insertion order', () => {
    const tags =
      'host=sense1.corp.local,server_name=sense1,server_description=Central\\ node,server_group=PROD,user_session_virtual_proxy=/hdr,user_session_host=sense1.corp.local:4243';
    const users = 'CORP\\\\anna,CORP\\\\peter,INTERNAL\\\\sa_scheduler';
    assert.deepEqual(lines(1), [
      `user_session_summary,${tags} session_count=4i,session_user_id_list="${users}"`,
      `user_session_list,${tags} session_user_id_list="${users}"`,
      `user_session_details,${tags},user_session_id=6c0c8f27-8f61-4d7f-9d1e-2b7c1f5a9e10,user_session_user_directory=CORP,user_session_user_id=anna session_id="6c0c8f27-8f61-4d7f-9d1e-2b7c1f5a9e10",user_directory="CORP",user_id="anna"`,
      `user_session_details,${tags},user_session_id=7d1d9038-9072-4e80-8e2f-3c8d2a6b0f21,user_session_user_directory=CORP,user_session_user_id=anna session_id="7d1d9038-9072-4e80-8e2f-3c8d2a6b0f21",user_directory="CORP",user_id="anna"`,
      `user_session_details,${tags},user_session_id=d0c1b2a3-9f8e-4d7c-8b6a-5f4e3d2c1b0a,user_session_user_directory=CORP,user_session_user_id=peter session_id="d0c1b2a3-9f8e-4d7c-8b6a-5f4e3d2c1b0a",user_directory="CORP",user_id="peter"`,
    ]);
  });

  it('v2 writes session_count as uint in both summary and list, tags sorted; v3 as int', () => {
    const v2 = lines(2);
    assert.match(
      v2[0] ?? '',
      /^user_session_summary,host=sense1\.corp\.local,server_description=Central\\ node,server_group=PROD,server_name=sense1,user_session_host=sense1\.corp\.local:4243,user_session_virtual_proxy=\/hdr session_count=4u,/,
    );
    assert.match(v2[1] ?? '', /^user_session_list,.* session_count=4u,session_user_id_list=/);
    const v3 = lines(3);
    assert.match(v3[0] ?? '', / session_count=4i,/);
    assert.match(v3[1] ?? '', / session_count=4i,/);
    assert.equal(v3.length, 5);
  });

  it('always carries the server tags (v15 regression for v2 fixed)', () => {
    for (const version of [1, 2, 3] as const) {
      for (const p of proxySessionsToInflux(record(), version, on)) {
        assert.equal(p.tags.server_description, 'Central node');
        assert.equal(p.tags.server_name, 'sense1');
      }
    }
  });

  it('writes nothing when InfluxDB is disabled', () => {
    assert.deepEqual(proxySessionsToInflux(record(), 1, { influxdbConfig: { enable: false } }), []);
  });
});

describe('proxy sessions → Prometheus', () => {
  it('sets butlersos_user_session_total with server labels, virtual proxy and host with port', () => {
    const { scope, samples } = proxySessionsToPrometheus(record());
    assert.equal(scope, 'proxy-sessions/sense1//hdr');
    assert.deepEqual(samples, [
      {
        name: 'butlersos_user_session_total',
        help: 'Number of sessions (as reported by the proxy service).',
        labels: {
          host: 'sense1.corp.local',
          server_name: 'sense1',
          server_description: 'Central node',
          server_group: 'PROD',
          user_session_virtual_proxy: '/hdr',
          user_session_host: 'sense1.corp.local:4243',
        },
        value: 4,
      },
    ]);
  });
});

describe('proxy sessions → MQTT', () => {
  it('publishes the unfiltered response as 2-space JSON on <base><host>/usersession<vp>', () => {
    const cfg = { mqttConfig: { enable: true, baseTopic: 'butler-sos/' } };
    const [root] = proxySessionsToMqtt(record('/'), cfg);
    assert.equal(root?.topic, 'butler-sos/sense1.corp.local/usersession/');
    assert.equal(root?.payload, JSON.stringify(body, null, 2));
    assert.equal(
      proxySessionsToMqtt(record('/hdr'), cfg)[0]?.topic,
      'butler-sos/sense1.corp.local/usersession/hdr',
    );
    assert.deepEqual(proxySessionsToMqtt(record(), { mqttConfig: { enable: false, baseTopic: 'x' } }), []);
  });
});

describe('proxy sessions → New Relic', () => {
  const cfg = (sessions: boolean): NewRelicMetricConfig => ({
    newRelic: {
      enable: true,
      metric: {
        dynamic: { proxy: { sessions: { enable: sessions } } },
        attribute: {
          static: [{ name: 'env', value: 'PROD' }],
          dynamic: { butlerSosVersion: { enable: true } },
        },
      },
    },
    butlerSosVersion: '0.1.0',
  });

  it('sends qs_proxySessions with the session tags, static attributes and version', () => {
    const [metric] = proxySessionsToNewRelic(record(), cfg(true));
    assert.equal(metric?.name, 'qs_proxySessions');
    assert.equal(metric?.value, 4);
    assert.deepEqual(metric?.attributes, {
      host: 'sense1.corp.local',
      server_name: 'sense1',
      server_description: 'Central node',
      server_group: 'PROD',
      user_session_virtual_proxy: '/hdr',
      user_session_host: 'sense1.corp.local:4243',
      env: 'PROD',
      butlerSosVersion: '0.1.0',
    });
    assert.deepEqual(proxySessionsToNewRelic(record(), cfg(false)), []);
  });
});
