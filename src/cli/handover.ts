/**
 * What the config-checking child process hands to the agent process (see launch.ts): the
 * validated config with its defaults filled in, and what the run command learned on the way.
 * Plain JSON, so the agent process needs neither the YAML parser nor the schema library.
 */
import { writeSync } from 'node:fs';
import type { ButlerSosConfig } from '../config/schema.ts';
import type { RunOptions } from './run.ts';

/** Set in the child's environment to the file descriptor the handover goes to. */
export const HANDOVER_FD_ENV = 'BUTLER_SOS_HANDOVER_FD';

/** The run command's options plus the config: everything runAgent needs. */
export type RunHandover = RunOptions & { config: ButlerSosConfig };

/** The descriptor to hand over on when this process is the checking child, else undefined. */
export function handoverFd(): number | undefined {
  const value = process.env[HANDOVER_FD_ENV];
  const fd = Number(value);
  return value && Number.isInteger(fd) && fd > 2 ? fd : undefined;
}

/**
 * Writes the handover completely: a pipe may take it in several writes, and a non-blocking one
 * answers EAGAIN while the reader catches up (then wait a millisecond and go on).
 */
export function writeHandover(fd: number, handover: RunHandover): void {
  const bytes = Buffer.from(JSON.stringify(handover), 'utf8');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
