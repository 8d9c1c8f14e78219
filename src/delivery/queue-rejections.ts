/**
 * What to do with a part of a batch the destination refused (a `rejected` DeliveryError):
 * retrying it as it is would fail again, so the queue drops exactly the items the sink named,
 * or, when it named none, splits the part in halves until the bad items are isolated. The
 * good items still land; only the bad ones are counted as dropped (reason `rejected`).
 */

export interface AfterRejection<T> {
  /** Items given up (counted as dropped, reason `rejected`). */
  rejected: number;
  /** What to write instead of the refused part, in order (possibly nothing). */
  retry: T[][];
}

export function afterRejection<T>(part: T[], badItems: readonly number[] | undefined): AfterRejection<T> {
  const bad = validIndexes(badItems, part.length);
  if (bad.size > 0) {
    const good = part.filter((_, i) => !bad.has(i));
    return { rejected: bad.size, retry: good.length > 0 ? [good] : [] };
  }
  if (part.length > 1) {
    const half = Math.ceil(part.length / 2);
    return { rejected: 0, retry: [part.slice(0, half), part.slice(half)] };
  }
  return { rejected: 1, retry: [] };
}

/** The indexes a sink named that are really in the part (a sink may name nonsense). */
function validIndexes(indexes: readonly number[] | undefined, length: number): Set<number> {
  const set = new Set<number>();
  for (const i of indexes ?? []) if (Number.isInteger(i) && i >= 0 && i < length) set.add(i);
  return set;
}
