/**
 * The New Relic destination's routing: which account queues get which kinds, and what the
 * items carry (uptime metrics with the schedule's `interval.ms`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { DestinationContext, DestinationQueue } from '../../../../src/components/destination.ts';
import { loadConfigText } from '../../../../src/config/load.ts';
import { createNewRelicDestination } from '../../../../src/destinations/new-relic/destination.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { UptimeRecord } from '../../../../src/records/uptime.ts';

/** A context whose queues only collect what they are given, by queue name. */
function collectingContext(butlerSos: Record<string, unknown>) {
  const queued = new Map<string, unknown[]>();
  const context: DestinationContext = {
    settings: loadConfigText(stringify({ 'Butler-SOS': butlerSos }), 'test.yaml').config['Butler-SOS'],
    version: '9.9.9',
    log: createRecordingLogger(),
    createQueue<T>(name: string) {
      const items: unknown[] = [];
      queued.set(name, items);
      const queue = {
        enqueue: (item: T) => void items.push(item),
        enqueueMany: (many: readonly T[]) => void items.push(...many),
        flush: async () => undefined,
        close: async () => undefined,
        stats: () => ({
          queued: 0,
          inFlight: 0,
          spooled: 0,
          overflowed: 0,
          delivered: 0,
          retried: 0,
          dropped: {},
        }),
        status: () => ({ name, destination: 'new-relic', stats: queue.stats(), spooledBytes: 0 }),
      };
      return queue as DestinationQueue<T>;
    },
    agent: { metrics: () => [], status: () => ({}) },
  };
  return { context, queued };
}

const uptime: UptimeRecord = {
  kind: 'uptime',
  timeMs: 1_700_000_000_000,
  iteration: 3,
  uptimeMs: 120_000,
  intervalMs: 60_000,
  heapUsed: 1,
  heapTotal: 2,
  external: 3,
  rss: 4,
};

describe('New Relic destination', () => {
  it('uptime metrics go to the uptime accounts with the schedule interval and the block attributes', () => {
    const { context, queued } = collectingContext({
      thirdPartyToolsCredentials: {
        newRelic: [
          { accountName: 'ops', insertApiKey: 'key-ops-1', accountId: '11' },
          { accountName: 'other', insertApiKey: 'key-other-2', accountId: '22' },
        ],
      },
      uptimeMonitor: {
        enable: true,
        frequency: 'every 1 minute',
        storeNewRelic: {
          enable: true,
          destinationAccount: ['ops'],
          attribute: {
            static: [{ name: 'site', value: 'north' }],
            dynamic: { butlerVersion: { enable: true } },
          },
          metric: { dynamic: { butlerMemoryUsage: { enable: true }, butlerUptime: { enable: true } } },
        },
      },
    });
    const destination = createNewRelicDestination(context);
    assert.deepEqual([...destination.accepts], ['uptime']);
    destination.deliver(uptime);
    const metrics = queued.get('New Relic account ops metrics') as {
      name: string;
      intervalMs?: number;
      attributes: Record<string, string>;
    }[];
    assert.equal(metrics.length, 5);
    for (const metric of metrics) {
      assert.equal(metric.intervalMs, 60_000, `${metric.name} has interval.ms`);
      assert.deepEqual(metric.attributes, { site: 'north', version: '9.9.9' });
    }
    assert.deepEqual(queued.get('New Relic account other metrics'), []);
  });
});
