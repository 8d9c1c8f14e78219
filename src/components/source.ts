/**
 * A source: what brings records into the agent (the Sense polls, UDP log events, UDP user
 * events, the Sense log database). A source emits records through its context and shares the
 * lifecycle of every component: `stop` ends its intake first, so nothing new arrives while
 * destinations flush.
 */
import type { ButlerSosSettings } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { ErrorType } from '../records/error-event.ts';
import type { EventCounters } from '../records/event-counts.ts';
import type { AgentRecord } from '../records/record.ts';
import type { AppNameTable } from '../sources/app-names/table.ts';
import type { Component } from './component.ts';
import type { MetricSample } from './metrics.ts';

/** One monitored Sense server as a polling source sees it. */
export interface PolledServerStatus {
  serverName: string;
  host: string;
  state: 'up' | 'failing';
  lastError: string | null;
}

export interface Source extends Component {
  /** Samples for /metrics about this source's intake (datagrams, failures). */
  metrics?(): MetricSample[];
  /** Per Sense server: up or failing, for sources that poll servers. */
  servers?(): PolledServerStatus[];
}

/** What the agent offers a source it creates. */
export interface SourceContext {
  settings: ButlerSosSettings;
  log: Logger;
  /** Hands a record to the router. Never throws. */
  emit(record: AgentRecord): void;
  /** The app-name table: the Sense polls fill it, event sources look names up in it. */
  appNames: AppNameTable;
  /** Event counters shared by the UDP sources (absent when counting is off). */
  counters: { events?: EventCounters; rejected?: EventCounters };
  /** Counts an error in error tracking (a failed log-database query, say). */
  trackError(type: ErrorType, serverName: string, error: unknown): void;
  /** This machine's host name. */
  hostname: string;
}

export interface SourcePlugin {
  readonly id: string;
  enabled(settings: ButlerSosSettings): boolean;
  create(context: SourceContext): Promise<Source>;
}
