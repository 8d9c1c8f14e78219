/**
 * Writes one batch to the sink until every item is delivered or refused for good: retryable
 * failures are retried after a backoff, forever, and refused parts are split (see
 * queue-rejections.ts). Only the queue's abort at its close deadline stops it early, or, for
 * a batch held in memory when the queue has an overflow store, the first retryable failure:
 * that batch is handed to the store and retried from there, so a crash during the outage
 * cannot lose it.
 */
import type { Backoff } from './queue-backoff.ts';
import { afterRejection } from './queue-rejections.ts';
import { type DeliveryReporter, errorMessage } from './queue-reporter.ts';
import { DeliveryError, type DeliverySink } from './types.ts';

export class BatchWriter<T> {
  private readonly sink: DeliverySink<T>;
  private readonly signal: AbortSignal;
  private readonly backoff: Backoff;
  private readonly reporter: DeliveryReporter;

  constructor(sink: DeliverySink<T>, signal: AbortSignal, backoff: Backoff, reporter: DeliveryReporter) {
    this.sink = sink;
    this.signal = signal;
    this.backoff = backoff;
    this.reporter = reporter;
  }

  /** True once the queue aborted its writes (at the close deadline). */
  get aborted(): boolean {
    return this.signal.aborted;
  }

  /**
   * After a batch was handed off on a retryable failure: the wait its retry would have had
   * here, and the retry counted (it happens as a replay from the overflow store).
   */
  async retryElsewhere(): Promise<void> {
    await this.backoff.wait(1);
    if (!this.signal.aborted) this.reporter.retrying();
  }

  /**
   * Writes `batch`; returns the items left unwritten because the queue aborted, or, with
   * `handOffWhenFailing`, because the destination failed with a retryable error (else none).
   */
  async write(batch: T[], handOffWhenFailing = false): Promise<T[]> {
    // The parts still to write, in order: the batch, or what is left of it after splits.
    const parts: T[][] = [batch];
    let attempt = 0;
    while (parts.length > 0) {
      if (this.signal.aborted) return parts.flat();
      const part = parts[0]!;
      try {
        await this.sink.write(part, this.signal);
        parts.shift();
        attempt = 0;
        this.reporter.writeSucceeded(part.length);
      } catch (error) {
        if (this.signal.aborted) return parts.flat();
        const failure = asDeliveryError(error);
        this.reporter.writeFailed(failure, part.length);
        if (failure.kind === 'retryable') {
          if (handOffWhenFailing) return parts.flat();
          attempt++;
          await this.backoff.wait(attempt);
          if (this.signal.aborted) return parts.flat();
          this.reporter.retrying();
          continue;
        }
        attempt = 0;
        const { rejected, retry } = afterRejection(part, failure.badItems);
        if (rejected > 0) this.reporter.rejected(rejected, failure.message);
        parts.splice(0, 1, ...retry);
      }
    }
    return [];
  }
}

/** Anything a sink throws that is not a DeliveryError is retryable (network errors, mostly). */
function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  return new DeliveryError(errorMessage(error), { kind: 'retryable', cause: error });
}
