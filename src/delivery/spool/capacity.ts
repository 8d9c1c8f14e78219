/**
 * Making room under the cap with drop policy `drop_oldest`: the oldest records nobody has read
 * yet are dropped, one segment (or the unread rest of the segment being replayed) at a time,
 * so the cap costs a file delete or truncate, never a rewrite. Records already read stay,
 * since they are being delivered.
 */
import { rm } from 'node:fs/promises';
import { SEGMENT_HEADER_BYTES } from './format.ts';
import type { Ledger, Segment } from './ledger.ts';
import { truncateSegment } from './segment-files.ts';

/** The oldest segment holding unread records, and the offset from which they are unread. */
export function oldestUnread(ledger: Ledger): { segment: Segment; from: number } | undefined {
  const { readPos } = ledger;
  for (const segment of ledger.segments) {
    if (segment.id < readPos.segment) continue;
    const from = segment.id === readPos.segment ? readPos.offset : SEGMENT_HEADER_BYTES;
    if (from < segment.size) return { segment, from };
  }
  return undefined;
}

/**
 * Drops the records of `segment` from offset `from` on: deletes the file when none of it was
 * read, else cuts it short. Returns the number of records dropped. Neither the writer nor the
 * reader may have the file open.
 */
export async function dropUnread(ledger: Ledger, segment: Segment, from: number): Promise<number> {
  const lost = segment.unread;
  if (from === SEGMENT_HEADER_BYTES) {
    await rm(segment.path, { force: true });
    ledger.remove(segment);
    if (ledger.readPos.segment === segment.id) {
      // Nothing of it was read, so nothing of it is cached: positions move to what follows.
      ledger.readPos = ledger.startAfter(segment.id);
      if (ledger.cursor.segment === segment.id) ledger.cursor = ledger.readPos;
    }
  } else {
    // Part of it was read (and is being delivered or committed): keep that part.
    await truncateSegment(segment.path, from);
    ledger.usedBytes -= segment.size - from;
    segment.size = from;
    ledger.forgetUnread(segment);
  }
  return lost;
}
