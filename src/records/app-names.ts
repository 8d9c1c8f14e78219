/**
 * The app-name table read from the QRS (docs/reference/sense-apis.md#app-name-table). Consumers
 * (engine health, user events, engine performance events) look names up by exact, case-sensitive
 * app id.
 */

export interface AppNameEntry {
  id: string;
  name: string;
  description?: string;
}

/** Read side of the table, handed to every consumer. */
export interface AppNameLookup {
  /** The app name for an id, or undefined when unknown (or the list is not loaded yet). */
  nameOf(id: string): string | undefined;
  /** Number of apps in the current list (0 until the first successful extraction). */
  readonly size: number;
  /** When the current list was loaded (ms since epoch), 0 if never. */
  readonly loadedAtMs: number;
}

/** Emitted after each successful extraction. */
export interface AppNamesRecord {
  kind: 'app-names';
  timeMs: number;
  /** QRS host as configured (`appNames.hostIP`). */
  host: string;
  apps: readonly AppNameEntry[];
}
