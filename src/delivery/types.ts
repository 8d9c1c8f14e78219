/**
 * The contracts between the delivery queue, the sinks it writes to and the overflow store
 * (the disk spool) it hands items to when it cannot keep them in memory.
 */
import type { SocketFailure } from '../net/socket-errors.ts';

/** Why an item was dropped. Every drop is counted under one of these (or an overflow's own). */
export type DropReason = 'queue_full' | 'shutdown' | 'rejected' | 'overflow_failed' | (string & {});

export type DeliveryErrorKind = 'retryable' | 'rejected';

/**
 * Why items go to the overflow store: memory bound reached, the destination failing (nothing
 * is kept in memory then, so a crash during an outage loses nothing), shutdown, or the
 * queue's disk-first mode (every item goes to the store first).
 */
export type SpillReason = 'queue_full' | 'destination_down' | 'shutdown' | 'disk_first';

/**
 * Why a write failed, for code that acts on it (re-provisioning, error categories); the
 * message is for people and may change. Sinks set it from the socket error, the HTTP status
 * or the destination's answer.
 *
 * The destination could not be reached or did not answer:
 * - `refused`: the host answered that nothing listens on the port (ECONNREFUSED), or an MQTT
 *   broker refused the connection;
 * - `unreachable`: no route to the host, or a client that is not connected for no known reason;
 * - `host_not_found`: DNS has no such name;
 * - `timeout`: no answer (or acknowledgement) within the deadline;
 * - `reset`: the connection was closed before the answer was complete;
 * - `tls`: the TLS handshake or a certificate check failed;
 * - `network`: any other socket error.
 *
 * The destination answered no:
 * - `auth`: credentials missing or refused (HTTP 401/403, MQTT "not authorized");
 * - `database_not_found`: the database, bucket or organisation written to does not exist;
 * - `not_found`: any other 404 (a wrong URL);
 * - `rate_limited`: HTTP 429;
 * - `server_error`: HTTP 5xx, or an MQTT broker that is unavailable;
 * - `too_large`: HTTP 413;
 * - `bad_request`: any other 4xx (the content was refused);
 * - `unexpected_status`: a status that is neither success nor an error (1xx, 3xx).
 *
 * The sink itself:
 * - `invalid`: items refused before sending (they can never be written);
 * - `not_configured`: the destination lacks a setting the write needs;
 * - `closed`: the sink was closed;
 * - `aborted`: the caller's signal aborted the write;
 * - `unknown`: none of these (errors a sink did not classify).
 */
export type DeliveryErrorCode =
  | SocketFailure
  | 'auth'
  | 'database_not_found'
  | 'not_found'
  | 'rate_limited'
  | 'server_error'
  | 'too_large'
  | 'bad_request'
  | 'unexpected_status'
  | 'invalid'
  | 'not_configured'
  | 'closed'
  | 'aborted'
  | 'unknown';

/**
 * What a sink throws when a write fails.
 * - `retryable`: the destination is down, slow, overloaded (network errors, timeouts, 5xx,
 *   429). The queue writes the same batch again after a backoff, forever, until it is
 *   delivered or the queue closes.
 * - `rejected`: the destination refused the content (4xx). Retrying the same batch would
 *   fail again. With `badItems` (indexes into the batch) the queue drops exactly those and
 *   writes the rest; without, it splits the batch in halves until the bad items are isolated,
 *   so the good items still land and only the bad ones are dropped (reason `rejected`).
 * Anything else a sink throws is treated as retryable.
 * `code` says why (`unknown` when the thrower did not say).
 */
export class DeliveryError extends Error {
  readonly kind: DeliveryErrorKind;
  readonly code: DeliveryErrorCode;
  readonly badItems: readonly number[] | undefined;
  constructor(
    message: string,
    options: {
      kind: DeliveryErrorKind;
      code?: DeliveryErrorCode;
      badItems?: readonly number[];
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.kind = options.kind;
    this.code = options.code ?? 'unknown';
    this.badItems = options.badItems;
  }
}

/** A destination. `signal` aborts a write when a closing queue runs out of time. */
export interface DeliverySink<T> {
  write(batch: T[], signal?: AbortSignal): Promise<void>;
  /** How the disk spool stores this sink's items (default: as JSON text). */
  spoolCodec?: SpoolCodec<T>;
  /** Bytes an item holds in memory, for the queue's byte budget (default: an estimate). */
  sizeOf?(item: T): number;
  /**
   * Optional: the queue holds these items no more (delivered, refused, dropped, taken by the
   * overflow store, or, read back from it, committed out of it), so memory behind them may be
   * reused. Called at most once per item, and never for a write abandoned at the close
   * deadline (its request may still be reading them).
   */
  release?(items: readonly T[]): void;
}

/** Items to stored bytes and back (`decode`'s payload is valid during the call only). */
export interface SpoolCodec<T> {
  encode(item: T): string | Uint8Array;
  decode(payload: Buffer): T;
}

/**
 * Where items go when the memory queue cannot hold them, instead of being dropped:
 * when the queue is full (`queue_full`) or closing with items left (`shutdown`).
 * The disk spool implements this; the queue works the same with or without one.
 *
 * Replay is pull-based with an explicit commit, so that nothing is lost between reading an
 * item back and delivering it (at-least-once): the queue reads the oldest items with
 * `peek(max)`, writes them to the sink (with the same retries and rejected-batch handling
 * as fresh items) and only then calls `commit(count)` to remove them. After a crash between
 * peek and commit, the same items are replayed again on the next start. The queue replays
 * when its writer is free, taking turns with fresh items so neither starves, and not while
 * closing. While the destination fails, the batch that failed and every new item go to the
 * store, and the retries are replays: a crash at any moment of an outage loses nothing.
 *
 * Order is kept within the memory path and within the replay, not across the two: items
 * spooled while the memory queue was full arrive after some newer ones. InfluxDB points
 * carry their own timestamps, so this changes nothing stored.
 */
export interface Overflow<T> {
  /** Stores items durably. Rejecting means they could not be kept: the queue counts them
   * dropped, with the error's `reason` property if it has one, else `overflow_failed`. */
  accept(items: T[], reason: SpillReason): Promise<void>;
  /** Items waiting to be replayed. */
  size(): number;
  /** Up to `max` of the oldest waiting items, without removing them. */
  peek(max: number): Promise<T[]>;
  /** Removes the `count` oldest items (they were delivered or counted as dropped). */
  commit(count: number): Promise<void>;
  /**
   * Optional: false while the store cannot take items (its folder is unusable, or it is
   * closed). The queue then keeps retrying a failed batch in memory instead of handing it over.
   */
  accepting?(): boolean;
  /** Optional: the queue registers a callback to call when items become available for
   * replay that the queue did not hand over itself (e.g. found on disk after a restart). */
  onAvailable?(listener: () => void): void;
}

export interface DeliveryStats {
  /** Items waiting in memory. */
  queued: number;
  /** Items in the write being attempted now (including retries; a chunk replayed from the overflow store is counted in `spooled`). */
  inFlight: number;
  /** Items in the overflow store waiting for replay (0 without one). */
  spooled: number;
  /** Items handed to the overflow store so far. */
  overflowed: number;
  /** Items the sink accepted. */
  delivered: number;
  /** Write attempts that were retries of a failed write. */
  retried: number;
  /** Items dropped, by reason. */
  dropped: Record<string, number>;
  lastError?: { message: string; at: string };
}
