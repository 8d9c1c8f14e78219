/**
 * Poll records timed by their grid slot (HA pair): a poll that ran in the slot starting at
 * 12:00:30.000 is stored at 12:00:30.000, whichever agent made it and however long the
 * server took to answer, so both agents of a pair write the same point. The scheduler runs
 * polls on the grid (never before a slot begins), so a poll's answer falls in the slot it was
 * made in as long as it takes less than the interval (the request timeout is 5 s).
 */
import type { AgentRecord } from '../records/record.ts';
import { slotOf } from './grid.ts';

export interface PollIntervals {
  /** `serversToMonitor.pollingInterval` */
  healthMs: number;
  /** `userSessions.pollingInterval` */
  sessionsMs: number;
}

/** `emit` with engine-health, proxy-sessions and failed-poll records timed by their slot. */
export function gridTimedPolls<R extends AgentRecord>(emit: (record: R) => void, intervals: PollIntervals) {
  return (record: R): void => {
    const interval = intervalOf(record, intervals);
    if (interval === undefined || !('timeMs' in record)) emit(record);
    else emit({ ...record, timeMs: slotOf(record.timeMs, interval) });
  };
}

function intervalOf(record: AgentRecord, intervals: PollIntervals): number | undefined {
  if (record.kind === 'engine-health') return intervals.healthMs;
  if (record.kind === 'proxy-sessions') return intervals.sessionsMs;
  if (record.kind !== 'failed-poll') return undefined;
  if (record.pollKind === 'health') return intervals.healthMs;
  if (record.pollKind === 'proxy-sessions') return intervals.sessionsMs;
  return undefined;
}
