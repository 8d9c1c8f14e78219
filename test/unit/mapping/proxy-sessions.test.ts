import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
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
import { parseSessionsBody } from '../../../src/sources/proxy-sessions/parse.ts';

const body = JSON.parse(
  readFileSync(new URL('../../fixtures/sense/proxy-sessions.json', import.meta.url), 'utf8'),
);
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
    excludeUser: [{ directory: 'INTERNAL', userId: 'sa_api' }],
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
    const users = 'LABNET\\\\k.berg,LABNET\\\\mtorres,INTERNAL\\\\sa_api,LABNET\\\\ychen';
    const detail = (sessionId: string, directory: string, userId: string) =>
      `user_session_details,${tags},user_session_id=${sessionId},user_session_user_directory=${directory},user_session_user_id=${userId} session_id="${sessionId}",user_directory="${directory}",user_id="${userId}"`;
    assert.deepEqual(lines(1), [
      `user_session_summary,${tags} session_count=5i,session_user_id_list="${users}"`,
      `user_session_list,${tags} session_user_id_list="${users}"`,
      detail('1e7f3a52-9c04-4b8d-a6e1-5d2c8f0b7a93', 'LABNET', 'k.berg'),
      detail('84b2d6c0-3e5f-4a17-9d8c-0f6a1b2e4c75', 'LABNET', 'mtorres'),
      detail('5a0c8e24-7b1d-4f93-b2a6-e4c7d9f1038b', 'LABNET', 'k.berg'),
      detail('f6b1a7d3-2c8e-4e05-9a4f-3d6b0c5e8a21', 'LABNET', 'ychen'),
    ]);
  });

  it('v2 writes session_count as uint in both summary and list, tags sorted; v3 as int', () => {
    const v2 = lines(2);
    assert.match(
      v2[0] ?? '',
      /^user_session_summary,host=sense1\.corp\.local,server_description=Central\\ node,server_group=PROD,server_name=sense1,user_session_host=sense1\.corp\.local:4243,user_session_virtual_proxy=\/hdr session_count=5u,/,
    );
    assert.match(v2[1] ?? '', /^user_session_list,.* session_count=5u,session_user_id_list=/);
    const v3 = lines(3);
    assert.match(v3[0] ?? '', / session_count=5i,/);
    assert.match(v3[1] ?? '', / session_count=5i,/);
    assert.equal(v3.length, 6);
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
        value: 5,
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
    // Unfiltered: the excluded INTERNAL\sa_api session is published too.
    assert.equal(JSON.parse(root?.payload ?? '[]').length, 5);
    assert.match(root?.payload ?? '', /"UserId": "sa_api"/);
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
    assert.equal(metric?.value, 5);
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
