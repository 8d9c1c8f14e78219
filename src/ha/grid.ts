/**
 * The interval grid: the whole multiples of an interval since the epoch (a 30 s interval
 * gives hh:mm:00 and hh:mm:30 in UTC). Two agents that run their periodic work on the grid
 * and time its results by their grid slot write identical points, which a store keeps once.
 */

/** The grid slot a time falls in: the last multiple of the interval at or before it. */
export function slotOf(timeMs: number, intervalMs: number): number {
  return Math.floor(timeMs / intervalMs) * intervalMs;
}

export interface GridTimer {
  stop(): void;
}

/**
 * Calls `onTick(slotMs)` at every slot of the grid, never before the slot has begun by the
 * wall clock (Node's timers count from the event loop's cached time and may fire early;
 * then the timer is set again for the rest). After a pause longer than an interval (a
 * blocked loop, a suspended machine) the missed slots are skipped, not run in a burst.
 */
export function startGridTimer(
  intervalMs: number,
  onTick: (slotMs: number) => void,
  now: () => number = Date.now,
): GridTimer {
  let timer: NodeJS.Timeout | undefined;
  let next = slotOf(now(), intervalMs) + intervalMs;
  let stopped = false;
  const arm = () => {
    timer = setTimeout(fire, Math.max(0, next - now()));
  };
  const fire = () => {
    if (stopped) return;
    const at = now();
    if (at < next) return arm();
    const slot = slotOf(at, intervalMs);
    next = slot + intervalMs;
    arm();
    onTick(slot);
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
