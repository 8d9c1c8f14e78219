/**
 * The wait between two attempts of a failed write: exponential, capped, with jitter, and cut
 * short when the queue aborts its writes at the close deadline.
 */

export interface RetryOptions {
  /** First backoff delay. */
  initialMs: number;
  /** Largest backoff delay; the delay doubles per failed attempt up to this. */
  maxMs: number;
  /**
   * Share of the delay that is random: 0 = none, 1 (or true) = "full jitter" (a uniformly
   * random delay between 0 and the exponential value), which spreads the retries of many
   * agents after a shared outage.
   */
  jitter: number | boolean;
}

/** Delay before retry number `attempt` (1-based): exponential, capped, with jitter. */
export function backoffDelay(
  attempt: number,
  retry: RetryOptions,
  random: () => number = Math.random,
): number {
  const jitter =
    retry.jitter === true ? 1 : retry.jitter === false ? 0 : Math.min(1, Math.max(0, retry.jitter));
  const exponential = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt - 1, 30));
  return exponential * (1 - jitter * random());
}

export class Backoff {
  private readonly retry: RetryOptions;
  private readonly random: () => number;
  private readonly signal: AbortSignal;
  private readonly keepsProcessAlive: () => boolean;

  /** `keepsProcessAlive` says whether someone awaits the queue (then its timers must hold the process). */
  constructor(
    retry: RetryOptions,
    random: () => number,
    signal: AbortSignal,
    keepsProcessAlive: () => boolean,
  ) {
    this.retry = retry;
    this.random = random;
    this.signal = signal;
    this.keepsProcessAlive = keepsProcessAlive;
  }

  /** Waits before retry number `attempt` (1-based), or until the queue aborts. */
  wait(attempt: number): Promise<void> {
    const delay = backoffDelay(attempt, this.retry, this.random);
    const signal = this.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      // A queue alone does not keep the process alive, unless someone awaits flush().
      if (!this.keepsProcessAlive()) timer.unref();
      signal.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}
