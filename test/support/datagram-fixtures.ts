/**
 * The project's own UDP datagram fixtures (`test/fixtures/datagrams/`, described in
 * `test/fixtures/README.md`), typed, with the few helpers every user of them needs: the
 * datagram's bytes as Sense would send them, the text the handlers decode from those bytes,
 * a case by its id, and the app-name lookup the expected records assume.
 */
import { readFileSync } from 'node:fs';
import type { LogEventRejection, LogEventSource } from '../../src/records/log-event.ts';
import type { UserEventMessageType, UserEventRejection } from '../../src/records/user-event.ts';
import type { PerfFilterValues } from '../../src/sources/log-events/parse.ts';

export type LogLayout = 'engine' | 'proxy' | 'repository' | 'scheduler' | 'qix-perf';

/** A record as the fixtures write it: its members without the receive-time bookkeeping. */
export type ExpectedRecord = Record<string, unknown>;

export interface DatagramCase {
  /** Stable, unique within its file; test names use it. */
  id: string;
  description: string;
  /** The datagram as text. */
  datagram: string;
  /**
   * `latin1`: each character of `datagram` is sent as one byte (for payloads that are not
   * valid UTF-8); absent: the text is sent as UTF-8, as the appenders do.
   */
  encoding?: 'latin1';
}

export interface LogEventCase extends DatagramCase {
  /** The appender layout (well-formed cases only). */
  layout?: LogLayout;
  /** The record the parser must produce; absent when the datagram is rejected. */
  expected?: ExpectedRecord;
  /** Engine performance events: the raw values the performance filters see. */
  perf?: PerfFilterValues;
  /** Why the parser rejects the datagram (and the source, when the marker was recognised). */
  rejected?: { reason: LogEventRejection; source?: LogEventSource };
}

export interface UserEventCase extends DatagramCase {
  expected?: ExpectedRecord;
  /** The user is in the file's `excludeUser`: parsed and counted, not forwarded. */
  excluded?: boolean;
  rejected?: {
    reason: UserEventRejection;
    messageType?: UserEventMessageType;
    host?: string;
    origin?: string;
  };
}

export interface DatagramFile<C extends DatagramCase> {
  description: string;
  /** The receive stamp the expected records assume. */
  parseOptions: { receivedAtMs: number; timeNsOffset: number };
  /** The app-name table the expected records assume (app id → name). */
  appNames: Record<string, string>;
  /** User events only: `userEvents.excludeUser`. */
  excludeUser?: { directory: string; userId: string }[];
  cases: C[];
}

const DIR = new URL('../fixtures/datagrams/', import.meta.url);

function load<C extends DatagramCase>(name: string): DatagramFile<C> {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as DatagramFile<C>;
}

/** Well-formed log events, every layout. */
export const LOG_EVENTS = load<LogEventCase>('log-events.json');
/** Malformed and odd log events, rejected or accepted. */
export const MALFORMED_LOG_EVENTS = load<LogEventCase>('log-events-malformed.json');
/** User activity events, well-formed, odd and rejected. */
export const USER_EVENTS = load<UserEventCase>('user-events.json');

/** The datagram's bytes, as the UDP socket receives them. */
export function datagramBytes(c: DatagramCase): Buffer {
  return Buffer.from(c.datagram, c.encoding ?? 'utf8');
}

/** The text the handlers decode from the datagram (UTF-8, invalid bytes as U+FFFD). */
export function datagramText(c: DatagramCase): string {
  return datagramBytes(c).toString('utf8');
}

/** The case with this id (throws when there is none, so a renamed case fails loudly). */
export function caseById<C extends DatagramCase>(file: DatagramFile<C>, id: string): C {
  const found = file.cases.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no datagram fixture case '${id}'`);
  return found;
}

/** The expected record of an accepted case (throws for a rejected one). */
export function expectedOf(c: LogEventCase | UserEventCase): ExpectedRecord {
  if (c.expected === undefined) throw new Error(`datagram fixture case '${c.id}' is rejected`);
  return c.expected;
}

/** Lookup in the file's app-name table, in the form the parsers and handlers take. */
export function appNameOf(file: DatagramFile<DatagramCase>): (appId: string) => string | undefined {
  const names = new Map(Object.entries(file.appNames));
  return (appId) => names.get(appId);
}
