/**
 * Committing: the oldest records peeked were delivered (or counted dropped), so the durable
 * cursor moves past them and the segments it leaves behind are deleted. Records peeked and
 * not committed stay before the cursor on disk: after a restart they are replayed again
 * (at-least-once).
 */
import { rm } from 'node:fs/promises';
import { type Ledger, type Position, writeCursorFile } from './ledger.ts';
import type { SpoolSettings } from './options.ts';
import type { SpoolReader } from './reader.ts';
import type { SpoolWriter } from './writer.ts';

export interface CommitParts<T> {
  settings: SpoolSettings<T>;
  ledger: Ledger;
  reader: SpoolReader<T>;
  writer: SpoolWriter<T>;
}

/** Commits the first `count` items peeked (fewer if fewer were peeked). */
export async function commitPeeked<T>(spool: CommitParts<T>, count: number): Promise<void> {
  const { ledger, reader } = spool;
  const n = Math.min(Math.max(0, Math.floor(count)), reader.cached);
  if (n === 0) return;
  const next = await pastFinishedSegments(spool, reader.positionAfter(n));
  if (n === reader.cached) ledger.readPos = next;
  await writeCursorFile(spool.settings.cursorPath, next);
  ledger.cursor = next;
  reader.forget(n);
  await deleteCommittedSegments(spool);
}

/**
 * At the end of a finished segment, points at the start of the next one instead, so that the
 * finished segment can go now rather than when the reader moves on.
 */
async function pastFinishedSegments<T>(spool: CommitParts<T>, position: Position): Promise<Position> {
  const { ledger, settings } = spool;
  let next = position;
  for (;;) {
    const segment = ledger.find(next.segment);
    if (!segment || next.offset < segment.size) return next;
    if (segment === ledger.writing) {
      // Replay caught up with the writer. Closing its segment lets it go now, at the cost of
      // an fsync and a new file; worth it once the segment is sizeable or space is short.
      const worthIt = segment.size >= settings.segmentBytes / 4 || ledger.usedBytes > settings.maxBytes / 2;
      if (!worthIt) return next;
      await spool.writer.roll();
    }
    next = ledger.startAfter(segment.id);
  }
}

/** Segments wholly before the cursor are done. */
async function deleteCommittedSegments<T>(spool: CommitParts<T>): Promise<void> {
  const { log, name } = spool.settings;
  for (const segment of spool.ledger.takeCommitted()) {
    await spool.reader.detachFrom(segment.id);
    await rm(segment.path, { force: true }).catch((error: Error) =>
      log.warn(`SPOOL: ${name}: could not delete ${segment.path}: ${error.message}`),
    );
  }
}
