/**
 * The records a spool drops itself, counted by reason, with warnings rate-limited so that a
 * full spool under load logs a summary now and then rather than a line per batch.
 */

/** Reasons under which the spool counts the records it drops itself. */
export const SPOOL_DROP_REASONS = {
  /** The cap was reached and the policy chose these records. */
  full: 'spool_full',
  /** A damaged frame in a segment file (torn write, flipped bits). */
  corrupt: 'corrupt',
  /** A frame that checked out but that `decode` refused. */
  undecodable: 'undecodable',
  /** `encode` threw or returned a text too large for a frame. */
  unencodable: 'unencodable',
  /** Writing to the disk failed (disk full, I/O error). */
  writeFailed: 'spool_write_failed',
} as const;

export class DropCounter {
  private readonly counts: Record<string, number> = {};
  /** The counts as of the last warning (or as logged by the caller). */
  private warned: Record<string, number> = {};
  private lastWarnAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly warn: (since: Record<string, number>) => void;

  /** `warn` logs the records dropped since the last call, by reason; at most once per `intervalMs`. */
  constructor(intervalMs: number, warn: (since: Record<string, number>) => void) {
    this.intervalMs = intervalMs;
    this.warn = warn;
  }

  /**
   * Counts `count` records dropped for `reason`. `alreadyLogged` when the caller has logged
   * them itself (damage, write errors): they are then left out of the next warning.
   */
  count(reason: string, count: number, alreadyLogged = false): void {
    if (count <= 0) return;
    this.counts[reason] = (this.counts[reason] ?? 0) + count;
    if (alreadyLogged) {
      this.warned[reason] = (this.warned[reason] ?? 0) + count;
      return;
    }
    if (this.timer) return;
    const wait = this.lastWarnAt + this.intervalMs - Date.now();
    if (wait <= 0) this.warnNow();
    else {
      this.timer = setTimeout(() => this.warnNow(), wait);
      this.timer.unref();
    }
  }

  /** Logs what was dropped since the last warning, if anything. */
  warnNow(): void {
    this.timer = undefined;
    const since: Record<string, number> = {};
    for (const [reason, count] of Object.entries(this.counts)) {
      const delta = count - (this.warned[reason] ?? 0);
      if (delta > 0) since[reason] = delta;
    }
    this.warned = { ...this.counts };
    if (Object.keys(since).length === 0) return;
    this.lastWarnAt = Date.now();
    this.warn(since);
  }

  /** Logs what is still unwarned now and stops the pending warning (the spool is closing). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.warnNow();
  }

  byReason(): Record<string, number> {
    return { ...this.counts };
  }
}
