/**
 * The ids of log rows already emitted, so each row is emitted once although consecutive
 * polls read overlapping periods.
 *
 * A set bounded to `capacity`; ids evicted from it raise a floor below which rows count as
 * seen. Rows committed out of id order (concurrent writers) are still caught as long as they
 * arrive within the last `capacity` rows.
 */
export class SeenIds {
  readonly #capacity: number;
  readonly #ids = new Set<string>();
  #floor = -1n;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Ids at or below this count as seen; a query can start after it. */
  get floor(): bigint {
    return this.#floor;
  }

  /** True the first time a row id is offered (it is then remembered). */
  admit(id: string, numeric: bigint): boolean {
    if (this.#ids.has(id) || numeric <= this.#floor) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.values().next().value as string;
      this.#ids.delete(oldest);
      const n = BigInt(oldest);
      if (n > this.#floor) this.#floor = n;
    }
    return true;
  }
}
