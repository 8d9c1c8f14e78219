/**
 * Writes one batch to the sink until every item is delivered or refused for good: retryable
 * failures are retried after a backoff, forever, and refused parts are split (see
 * queue-rejections.ts). Only the queue's abort at its close deadline stops it early.
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

  /** Writes `batch`; returns the items left unwritten because the queue aborted (else none). */
  async write(batch: T[]): Promise<T[]> {
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
