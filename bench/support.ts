/**
 * Small helpers the end-to-end benches share (the larger ones, around a private InfluxDB and
 * the UDP sender, are exported by udp-e2e.ts): one definition, so two benches measuring CPU
 * count it the same way.
 */
import { sampleProcess } from '../test/support/agent-process.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds of `pid` so far (utime+stime from /proc); 0 once it is gone. */
export function cpuOf(pid: number): number {
  return sampleProcess(pid)?.cpuSeconds ?? 0;
}
