/**
 * One successful engine healthcheck poll of one server (docs/reference/sense-apis.md#engine-healthcheck).
 *
 * Every field of the response is kept. Numbers missing from the body (or of the wrong
 * type) are `undefined` and mappings leave them out; missing doc arrays are empty
 * (docs/reference/sense-apis.md#missing-healthcheck-fields).
 */
import type { ServerIdentity } from './server.ts';

/**
 * A doc-id list with its app names resolved as upstream does
 * (docs/reference/sense-apis.md#healthcheck-derived-values).
 */
export interface DocList {
  /** The ids as Sense returned them. */
  ids: readonly string[];
  /** Names of the non-session apps (raw id when unknown), sorted with the default sort. */
  names: readonly string[];
  /** Ids starting with `SessionApp` (case-sensitive), never looked up, sorted. */
  sessionApps: readonly string[];
}

export interface EngineHealthRecord {
  kind: 'engine-health';
  /** When the response arrived (ms since epoch). */
  timeMs: number;
  server: ServerIdentity;
  version: string | undefined;
  started: string | undefined;
  /**
   * Engine uptime text derived from `started` (docs/reference/influxdb.md#engine-uptime-text), `""`
   * if not derivable.
   */
  uptime: string;
  mem: {
    committed: number | undefined;
    allocated: number | undefined;
    free: number | undefined;
    /** Newer Sense releases; no destination uses it (as upstream). */
    totalPhysical: number | undefined;
  };
  cpu: { total: number | undefined };
  session: { active: number | undefined; total: number | undefined };
  apps: {
    activeDocs: DocList;
    loadedDocs: DocList;
    inMemoryDocs: DocList;
    calls: number | undefined;
    selections: number | undefined;
  };
  users: { active: number | undefined; total: number | undefined };
  cache: {
    hits: number | undefined;
    lookups: number | undefined;
    added: number | undefined;
    replaced: number | undefined;
    bytesAdded: number | undefined;
  };
  saturated: boolean | undefined;
}
