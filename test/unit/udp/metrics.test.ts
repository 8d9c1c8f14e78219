/** The UDP listeners' own counters on /metrics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { udpStatsToProm } from '../../../src/udp/metrics.ts';
import { UDP_STATS } from '../../support/udp-stats.ts';

const stats = UDP_STATS;

describe('listener stats → Prometheus', () => {
  it('exposes every drop reason incl. kernel drops, and handler rejections', () => {
    const samples = udpStatsToProm({ ...stats, kernelDrops: 7 }, 'log_events', {
      emitted: 90,
      rejected: { too_few_fields: 3, unknown_marker: 1 },
    });
    const drop = (reason: string) =>
      samples.find((s) => s.name === 'butlersos_udp_datagrams_dropped_total' && s.labels.reason === reason)
        ?.value;
    assert.equal(drop('queue_full'), 3);
    assert.equal(drop('source_not_allowed'), 4);
    assert.equal(drop('kernel_receive_buffer'), 7);
    const rejected = samples.find(
      (s) => s.name === 'butlersos_udp_events_rejected_total' && s.labels.reason === 'too_few_fields',
    );
    assert.equal(rejected?.value, 3);
    assert.ok(samples.every((s) => s.labels.queue_type === 'log_events'));
    assert.equal(
      udpStatsToProm({ ...stats, kernelDrops: undefined }, 'user_events').some(
        (s) => s.labels.reason === 'kernel_receive_buffer',
      ),
      false,
    );
  });
});
