/**
 * The optional fixed-window rate limit of a UDP listener (v15 `rateLimit`): at most
 * `maxPerWindow` accepted datagrams per window; the window restarts at the first datagram
 * after it expired.
 */
export class FixedWindowRateLimit {
  private readonly maxPerWindow: number;
  private readonly windowMs: number;
  private windowStart = Date.now();
  private accepted = 0;

  constructor(maxPerWindow: number, windowMs: number) {
    this.maxPerWindow = maxPerWindow;
    this.windowMs = windowMs;
  }

  /** Whether the current window is used up (starts a new window when the old one expired). */
  exhausted(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.accepted = 0;
    }
    return this.accepted >= this.maxPerWindow;
  }

  /** Counts one accepted datagram against the current window. */
  count(): void {
    this.accepted++;
  }

  /** Datagrams of the current window projected to a per-minute rate (0 when it expired). */
  perMinute(): number {
    const elapsed = Date.now() - this.windowStart;
    if (elapsed < this.windowMs && elapsed > 0) return Math.round((this.accepted / elapsed) * 60_000);
    return 0;
  }
}
