/**
 * The status the agent hands the web UI (`getStatus()`), typed locally so the web layer
 * does not depend on how the pipeline is assembled. Every property is optional: the UI shows
 * what is there.
 */

export type ServerState = 'up' | 'failing' | 'unknown' | (string & {});

export interface ServerStatus {
  serverName: string;
  state: ServerState;
  /** Message of the last failed poll (kept after recovery is fine: `state` says which). */
  lastError?: string | null;
  /** ISO time or ms since the epoch of the last poll attempt. */
  lastPollAt?: string | number | null;
  host?: string;
}

/** One destination's delivery counters (the shape of the delivery queue's DeliveryStats). */
export interface DestinationStatus {
  name: string;
  enabled?: boolean;
  queued?: number;
  inFlight?: number;
  spooled?: number;
  overflowed?: number;
  delivered?: number;
  retried?: number;
  dropped?: Record<string, number>;
  lastError?: { message: string; at: string } | string | null;
}

export interface WebStatus {
  version?: string;
  startedAt?: string;
  servers?: ServerStatus[];
  destinations?: DestinationStatus[];
  [other: string]: unknown;
}
