/**
 * The ledger: where everything in the spool is. The segments on disk with their sizes and
 * record counts, the durable cursor (the oldest record not committed, kept in `cursor.json`),
 * the reader's position and the segment the writer appends to. The recovery, the reader, the
 * writer and the commit all work on one ledger, one operation at a time.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { SEGMENT_HEADER_BYTES } from './format.ts';

export interface Segment {
  id: number;
  path: string;
  /** Bytes in the file that hold data (header and complete frames). */
  size: number;
  /** Good records in the segment the reader has not reached yet. */
  unread: number;
  /** Seq the next appended frame gets. */
  nextSeq: number;
  /** Starts of damaged regions already counted when the spool opened. */
  knownDamage: Set<number>;
}

/** A place in the spool: segment id, file offset, and the seq of the frame found there. */
export interface Position {
  segment: number;
  offset: number;
  seq: number;
}

/** The position of the first record of segment `id`. */
export function startOf(id: number): Position {
  return { segment: id, offset: SEGMENT_HEADER_BYTES, seq: 0 };
}

export class Ledger {
  /** The segments on disk from the cursor's segment on, oldest first; the last may be `writing`. */
  segments: Segment[] = [];
  /** The id the next new segment gets. */
  nextSegmentId = 1;
  /** Oldest record not committed; durable in cursor.json once a commit wrote it. */
  cursor: Position = startOf(1);
  /** Where the reader continues: the records between `cursor` and here are in its cache. */
  readPos: Position = this.cursor;
  /** The segment the writer appends to (always the last one), while it has the file open. */
  writing: Segment | undefined;
  /** Bytes of the segment files (what `maxBytes` caps). */
  usedBytes = 0;
  /** Good records the reader has not reached yet, in all segments. */
  unread = 0;

  find(id: number): Segment | undefined {
    return this.segments.find((s) => s.id === id);
  }

  /** The start of the first segment after segment `id`: an existing one, or the next new one. */
  startAfter(id: number): Position {
    return startOf(this.segments.find((s) => s.id > id)?.id ?? this.nextSegmentId);
  }

  add(segment: Segment): void {
    this.segments.push(segment);
    this.usedBytes += segment.size;
    this.unread += segment.unread;
  }

  /** Forgets a segment whose file is gone, with the records the reader had not reached. */
  remove(segment: Segment): void {
    this.segments = this.segments.filter((s) => s !== segment);
    this.usedBytes -= segment.size;
    this.unread -= segment.unread;
  }

  /** Forgets the segments before the cursor's (fully committed) and returns them. */
  takeCommitted(): Segment[] {
    const done = this.segments.filter((s) => s.id < this.cursor.segment);
    if (done.length > 0) this.segments = this.segments.filter((s) => s.id >= this.cursor.segment);
    for (const segment of done) this.usedBytes -= segment.size;
    return done;
  }

  /** Counts records the reader will not reach after all (read past, dropped or damaged). */
  forgetUnread(segment: Segment, count = segment.unread): void {
    segment.unread -= count;
    this.unread -= count;
  }
}

/**
 * Reads the durable cursor. Undefined when there is none (a new spool) or when it cannot be
 * understood, which `unreadable` is told about: replay then starts at the oldest segment.
 */
export async function readCursorFile(path: string, unreadable: () => void): Promise<Position | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<Position>;
    const valid = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
    if (valid(value.segment) && valid(value.offset) && valid(value.seq)) {
      return { segment: value.segment, offset: Math.max(SEGMENT_HEADER_BYTES, value.offset), seq: value.seq };
    }
  } catch {}
  unreadable();
  return undefined;
}

/**
 * Replaces the durable cursor atomically (a temporary file, then rename): a crash leaves the
 * old position or the new one. Not fsynced: after a power cut an older cursor means
 * records replayed again, never lost.
 */
export async function writeCursorFile(path: string, position: Position): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify({ version: 1, ...position }), { mode: 0o600 });
  await rename(temporary, path);
}
