/**
 * A destination: where records go (InfluxDB, MQTT, New Relic, Prometheus, the local store,
 * files). A destination says which record kinds it accepts (its config's switches applied),
 * maps each accepted record to its wire shape and queues it, and shares the lifecycle of
 * every component. The router only loops over destinations; adding one touches its own
 * folder, its config section and one registry line.
 */
import type { ButlerSosSettings } from '../config/schema.ts';
import type { DeliveryQueue } from '../delivery/queue.ts';
import type { DeliverySink, DeliveryStats } from '../delivery/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { AgentRecord, RecordKind } from '../records/record.ts';
import type { Component } from './component.ts';
import type { MetricSample } from './metrics.ts';

/** One delivery queue of a destination, for status pages, /metrics and the health check. */
export interface QueueStatus {
  /** The queue's name, e.g. `InfluxDB v1 at http://db:8086 db=SenseOps`. */
  name: string;
  /** The destination's plug-in id, e.g. `influxdb`. */
  destination: string;
  stats: DeliveryStats;
  /** Bytes of the queue's disk spool. */
  spooledBytes: number;
}

export interface Destination extends Component {
  /** Record kinds this destination takes; the router sends it nothing else. */
  readonly accepts: ReadonlySet<RecordKind>;
  /** Maps and queues one record. Never throws, never waits: a slow destination only fills its queue. */
  deliver(record: AgentRecord): void;
  /** The destination's queues (none for a pulled destination such as Prometheus). */
  queues(): QueueStatus[];
}

/** A queue built for a destination, with its status. */
export interface DestinationQueue<T> extends DeliveryQueue<T> {
  status(): QueueStatus;
}

/** What the agent offers a destination it creates. */
export interface DestinationContext {
  settings: ButlerSosSettings;
  version: string;
  log: Logger;
  /**
   * A delivery queue in front of `sink`, with the configured memory bound, flush interval,
   * retry policy and disk spool. Closed by the destination's `stop`.
   */
  createQueue<T>(name: string, sink: DeliverySink<T>, maxBatchSize: number): DestinationQueue<T>;
  /** The agent's own view, for destinations that publish it (the Prometheus endpoint). */
  agent: {
    metrics(): MetricSample[];
    status(): unknown;
  };
}

export interface DestinationPlugin {
  /** Stable id: the `destination` of its queues' status, the registry's key. */
  readonly id: string;
  /** Whether the config switches this destination on. */
  enabled(settings: ButlerSosSettings): boolean;
  /** Creates the destination (opening nothing yet: that is `start`'s job). */
  create(context: DestinationContext): Promise<Destination>;
}
