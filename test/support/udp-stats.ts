/** One UDP listener's stats with every counter set, for the tests of what is made of them. */
import type { UdpListenerStats } from '../../src/udp/listener.ts';

export const UDP_DROPPED = { too_large: 1, source_not_allowed: 4, rate_limited: 2, queue_full: 3 };

export const UDP_STATS: UdpListenerStats = {
  received: 100,
  accepted: 94,
  processed: 94,
  failed: 0,
  dropped: UDP_DROPPED,
  droppedTotal: 10,
  receiveBuffer: { requestedBytes: 1, obtainedBytes: 2 },
  kernelDrops: 0,
  kernelRxQueueBytes: 0,
  queueSize: 5,
  queuePeak: 9,
  running: 2,
  maxSize: 200,
  utilizationPct: 2.5,
  backpressureActive: true,
  rateLimitCurrent: 60,
};
