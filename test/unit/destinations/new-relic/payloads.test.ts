import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLI_COUNT_MISMATCH,
  credentialsFromCommandLine,
  resolveAccounts,
} from '../../../../src/destinations/new-relic/credentials.ts';
import { classifyStatus } from '../../../../src/destinations/new-relic/newrelic-sink.ts';
import {
  buildEventPayloads,
  buildLogPayloads,
  buildMetricPayloads,
  type MetricInput,
  packGroups,
} from '../../../../src/destinations/new-relic/payloads.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';

const metric = (name: string, value: number, server: string, timestampMs = 1000): MetricInput => ({
  name,
  type: 'gauge',
  value,
  timestampMs,
  attributes: { server_name: server },
});

describe('New Relic payloads', () => {
  it('groups metrics sharing time and attributes into one common block each', () => {
    const built = buildMetricPayloads(
      [metric('qs_cpuTotal', 1, 'a'), metric('qs_cpuTotal', 2, 'b'), metric('qs_engineCalls', 3, 'a')],
      { env: 'prod' },
    );
    assert.equal(built.bodies.length, 1);
    assert.deepEqual(built.itemCounts, [3]);
    assert.deepEqual(JSON.parse(built.bodies[0] as string), [
      {
        common: { timestamp: 1000, attributes: { server_name: 'a', env: 'prod' } },
        metrics: [
          { name: 'qs_cpuTotal', type: 'gauge', value: 1 },
          { name: 'qs_engineCalls', type: 'gauge', value: 3 },
        ],
      },
      {
        common: { timestamp: 1000, attributes: { server_name: 'b', env: 'prod' } },
        metrics: [{ name: 'qs_cpuTotal', type: 'gauge', value: 2 }],
      },
    ]);
  });

  it('splits under the size limit without losing or reordering items, every body valid JSON', () => {
    const metrics = Array.from({ length: 200 }, (_, i) => metric(`qs_m${i}`, i, i % 3 === 0 ? 'a' : 'b'));
    for (const maxBytes of [150, 300, 1000, 5000]) {
      const built = buildMetricPayloads(metrics, {}, maxBytes);
      assert.deepEqual(built.invalid, []);
      assert.ok(built.bodies.length > 1);
      const names: string[] = [];
      built.bodies.forEach((body, index) => {
        assert.ok(Buffer.byteLength(body) <= maxBytes, `body of ${Buffer.byteLength(body)} > ${maxBytes}`);
        const parsed = JSON.parse(body) as { metrics: { name: string }[] }[];
        const count = parsed.reduce((sum, block) => sum + block.metrics.length, 0);
        assert.equal(count, built.itemCounts[index]);
        for (const block of parsed) names.push(...block.metrics.map((m) => m.name));
      });
      assert.deepEqual(names.sort(), metrics.map((m) => m.name).sort());
    }
  });

  it('refuses an item larger than the limit and non-finite metric values', () => {
    const built = buildEventPayloads(
      [
        { eventType: 'qs_logEvent', timestampMs: 1, attributes: { qs_message: 'x'.repeat(500) } },
        { eventType: 'qs_logEvent', timestampMs: 1, attributes: { qs_message: 'short' } },
      ],
      200,
    );
    assert.equal(built.invalid.length, 1);
    assert.equal(built.invalid[0]?.index, 0);
    assert.match(built.invalid[0]?.reason ?? '', /exceeds the 200-byte payload limit/);
    assert.equal(built.bodies.length, 1);
    const metrics = buildMetricPayloads(
      [metric('qs_x', Number.POSITIVE_INFINITY, 'a'), metric('qs_y', 1, 'a')],
      {},
    );
    assert.deepEqual(metrics.invalid, [{ index: 0, reason: 'metric qs_x has no finite numeric value' }]);
    assert.deepEqual(metrics.itemCounts, [1]);
  });

  it('builds events with timestamp first and eventType last', () => {
    const built = buildEventPayloads([
      { eventType: 'qs_userEvent', timestampMs: 5, attributes: { qs_host: 'h' } },
    ]);
    assert.equal(built.bodies[0], '[{"timestamp":5,"qs_host":"h","eventType":"qs_userEvent"}]');
  });

  it('builds logs without a common block when there are no common attributes', () => {
    const built = buildLogPayloads([{ timestampMs: 5, message: 'm', attributes: {} }], {});
    assert.equal(built.bodies[0], '[{"logs":[{"timestamp":5,"message":"m","attributes":{}}]}]');
  });

  it('packGroups returns nothing for no items', () => {
    assert.deepEqual(packGroups([{ header: '{"logs":[', footer: ']}', items: [] }], 100), {
      bodies: [],
      itemCounts: [],
      invalid: [],
    });
  });
});

describe('classifyStatus', () => {
  it('sorts statuses into ok, retryable and rejected', () => {
    assert.equal(classifyStatus(200), 'ok');
    assert.equal(classifyStatus(202), 'ok');
    for (const status of [408, 429, 500, 502, 503]) assert.equal(classifyStatus(status), 'retryable');
    for (const status of [400, 401, 403, 404, 413, 415]) assert.equal(classifyStatus(status), 'rejected');
  });
});

describe('New Relic credentials', () => {
  it('builds the credential list from the command line when all three counts match', () => {
    assert.equal(credentialsFromCommandLine(undefined, undefined, undefined), undefined);
    assert.deepEqual(credentialsFromCommandLine(['a', 'b'], ['k1', 'k2'], ['1', '2']), [
      { accountName: 'a', accountId: '1', insertApiKey: 'k1' },
      { accountName: 'b', accountId: '2', insertApiKey: 'k2' },
    ]);
    assert.throws(() => credentialsFromCommandLine(['a'], ['k1', 'k2'], ['1']), {
      message: CLI_COUNT_MISMATCH,
    });
    assert.throws(() => credentialsFromCommandLine(['a'], undefined, ['1']), { message: CLI_COUNT_MISMATCH });
  });

  it('resolves destination names, logging unknown names without keys', () => {
    const log = createRecordingLogger();
    const accounts = resolveAccounts(
      ['prod', 'missing'],
      [{ accountName: 'prod', insertApiKey: 'secret-key', accountId: 123 }],
      log,
      'userEvents.sendToNewRelic.destinationAccount',
    );
    assert.deepEqual(accounts, [{ name: 'prod', insertApiKey: 'secret-key', accountId: 123 }]);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0]?.message ?? '', /"missing"/);
    assert.ok(!JSON.stringify(log.lines).includes('secret-key'));
    assert.deepEqual(resolveAccounts(null, null, log), []);
  });
});
