/**
 * Flush accounting: the items that entered the memory queue and those settled since
 * (delivered, handed to the overflow store or counted dropped), so that flush() waits for
 * exactly the items enqueued before it, not for those that keep arriving after.
 */
export class FlushAccounting {
  private accepted = 0;
  private settled = 0;
  private waiters: { target: number; done: () => void }[] = [];

  /** True when every item accepted so far is settled. */
  get allSettled(): boolean {
    return this.settled >= this.accepted;
  }

  /** Someone waits for a flush (batches are then written without waiting to fill). */
  get anyoneWaiting(): boolean {
    return this.waiters.length > 0;
  }

  itemAccepted(): void {
    this.accepted++;
  }

  itemsSettled(count: number): void {
    this.settled += count;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (this.settled >= waiter.target) waiter.done();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Calls `done` once every item accepted so far is settled. */
  whenAllSettled(done: () => void): void {
    this.waiters.push({ target: this.accepted, done });
  }
}
