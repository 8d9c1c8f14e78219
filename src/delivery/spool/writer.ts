/**
 * The writer: appends records to the last segment, one write per batch and segment, and starts
 * a new segment when the current one is full. Keeps the spool under its cap (drop policy) and
 * fsyncs on roll, after every append when `fsyncIntervalMs` is 0, and when asked (the periodic
 * fsync). Every item it cannot keep is counted by reason.
 */
import type { FileHandle } from 'node:fs/promises';
import { dropUnread, oldestUnread } from './capacity.ts';
import { type DropCounter, SPOOL_DROP_REASONS } from './drops.ts';
import {
  type EncodedBatch,
  encodeFrames,
  FRAME_HEADER_BYTES,
  MAX_RECORD_BYTES,
  SEGMENT_HEADER_BYTES,
  sealFrame,
} from './format.ts';
import type { Ledger, Segment } from './ledger.ts';
import type { SpoolSettings } from './options.ts';
import type { SpoolReader } from './reader.ts';
import { createSegment, segmentPath, syncFolder, writeAll } from './segment-files.ts';

/**
 * Frames are encoded and written this many bytes at a time (more for a single larger frame),
 * into one buffer reused by every append: a large hand-over (the 32 MB memory queue spilled at
 * once when a destination fails) then needs no buffer of its own size.
 */
const CHUNK_BYTES = 2 * 1024 * 1024;

export class SpoolWriter<T> {
  private readonly settings: SpoolSettings<T>;
  private readonly ledger: Ledger;
  private readonly reader: SpoolReader<T>;
  private readonly drops: DropCounter;
  /** The open file of `ledger.writing`. */
  private file: FileHandle | undefined;
  /** Written since the last fsync. */
  private unsynced = false;
  /** The frame buffer of the previous append, reused by the next one when large enough. */
  private scratch: Buffer | undefined;

  /** `reader` is closed on a segment that drop_oldest is about to delete or cut short. */
  constructor(settings: SpoolSettings<T>, ledger: Ledger, reader: SpoolReader<T>, drops: DropCounter) {
    this.settings = settings;
    this.ledger = ledger;
    this.reader = reader;
    this.drops = drops;
  }

  /** True when data was written since the last fsync. */
  get dirty(): boolean {
    return this.unsynced;
  }

  /**
   * Appends the items in order. Never rejects: what cannot be kept (unencodable, over the cap
   * with drop_newest, a failed write) is counted dropped and logged.
   */
  async append(items: T[]): Promise<void> {
    const texts = this.encodeAll(items);
    let full = 0;
    /** Items of earlier chunks, all written or counted. */
    let before = 0;
    /** The next item of the chunk being written. */
    let next = 0;
    try {
      for (const chunk of chunksOf(texts, CHUNK_BYTES)) {
        const batch = this.frames(chunk);
        next = 0;
        while (next < chunk.length) {
          if (await this.makeRoom(frameBytes(batch, next))) next = await this.writeRun(batch, next);
          else {
            full++;
            next++;
          }
        }
        before += chunk.length;
        next = 0;
      }
      if (this.settings.fsyncIntervalMs === 0) await this.sync();
    } catch (error) {
      this.reportFailure(error as Error, texts.length - before - next);
    } finally {
      this.drops.count(SPOOL_DROP_REASONS.full, full);
    }
  }

  /**
   * The chunk's frames, in the reused buffer when they fit. Appends run one after the other,
   * each awaiting its writes, so the buffer is free again by the next chunk. Reused, it is not
   * garbage left for the collector at every append (under overload those buffers outlived
   * young-generation collections and piled up as external memory).
   */
  private frames(chunk: readonly (string | Uint8Array)[]): EncodedBatch {
    // Room for a full chunk, allocated at the first append.
    this.scratch ??= Buffer.allocUnsafeSlow(CHUNK_BYTES);
    return encodeFrames(chunk, this.scratch);
  }

  /** Fsyncs what was written since the last fsync. */
  async sync(): Promise<void> {
    if (!this.file || !this.unsynced) return;
    this.unsynced = false;
    await this.file.datasync();
  }

  /** Closes the segment being appended to (fsynced); the next append starts a new one. */
  async roll(): Promise<void> {
    const { file, unsynced } = this;
    if (!file) return;
    this.file = undefined;
    this.unsynced = false;
    this.ledger.writing = undefined;
    try {
      if (unsynced) await file.datasync();
    } finally {
      await file.close();
    }
  }

  /** The items as text or bytes; those that cannot be (`encode` threw, or too large) are counted. */
  private encodeAll(items: T[]): (string | Uint8Array)[] {
    const texts: (string | Uint8Array)[] = [];
    let unencodable = 0;
    for (const item of items) {
      try {
        const text = this.settings.encode(item);
        const fits =
          typeof text === 'string'
            ? text.length <= MAX_RECORD_BYTES / 3 || Buffer.byteLength(text, 'utf8') <= MAX_RECORD_BYTES
            : text instanceof Uint8Array && text.length <= MAX_RECORD_BYTES;
        if (fits) texts.push(text);
        else unencodable++;
      } catch {
        unencodable++;
      }
    }
    this.drops.count(SPOOL_DROP_REASONS.unencodable, unencodable); // warned about, rate-limited
    return texts;
  }

  /**
   * Makes room for a frame of `bytes` under the cap (dropping the oldest unread records if the
   * policy says so) and starts a segment for it if needed. False when it does not fit.
   */
  private async makeRoom(bytes: number): Promise<boolean> {
    if (this.settings.dropPolicy === 'drop_oldest') {
      while (this.overCap(bytes) && (await this.dropOldestUnread())) {}
    }
    if (this.overCap(bytes)) return false;
    if (this.needsNewSegment(bytes)) await this.startSegment();
    return true;
  }

  private needsNewSegment(bytes: number): boolean {
    const segment = this.ledger.writing;
    // A fresh segment takes its first frame whatever its size: a frame larger than a segment
    // still gets one of its own.
    return !segment || (segment.nextSeq > 0 && segment.size + bytes > this.settings.segmentBytes);
  }

  private overCap(bytes: number): boolean {
    const header = this.needsNewSegment(bytes) ? SEGMENT_HEADER_BYTES : 0;
    return this.ledger.usedBytes + header + bytes > this.settings.maxBytes;
  }

  /** Drops the oldest records nobody has read yet (one segment's worth); false if there are none. */
  private async dropOldestUnread(): Promise<boolean> {
    const oldest = oldestUnread(this.ledger);
    if (!oldest) return false;
    if (oldest.segment === this.ledger.writing) await this.roll();
    await this.reader.detachFrom(oldest.segment.id);
    this.drops.count(SPOOL_DROP_REASONS.full, await dropUnread(this.ledger, oldest.segment, oldest.from));
    return true;
  }

  private async startSegment(): Promise<void> {
    await this.roll();
    const { ledger, settings } = this;
    const id = ledger.nextSegmentId++;
    const path = segmentPath(settings.folder, id);
    const file = await createSegment(path);
    syncFolder(settings.folder); // so that a power cut does not forget the new file's name
    const segment: Segment = {
      id,
      path,
      size: SEGMENT_HEADER_BYTES,
      unread: 0,
      nextSeq: 0,
      knownDamage: new Set(),
    };
    ledger.add(segment);
    ledger.writing = segment;
    this.file = file;
    this.unsynced = true;
  }

  /**
   * Writes the frame at index `first` and as many following ones as fit in the segment and
   * under the cap, in one write. Returns the index of the first frame not written.
   */
  private async writeRun(batch: EncodedBatch, first: number): Promise<number> {
    const segment = this.ledger.writing!;
    const end = this.runEnd(batch, first, segment);
    const { buffer, starts } = batch;
    for (let k = first; k < end; k++) sealFrame(buffer, starts[k]!, segment.nextSeq + (k - first));
    const bytes = starts[end]! - starts[first]!;
    // On failure nothing of this write counts: the next write goes to the same offset.
    await writeAll(this.file!, buffer.subarray(starts[first]!, starts[end]!), segment.size);
    this.unsynced = true;
    segment.size += bytes;
    segment.nextSeq += end - first;
    segment.unread += end - first;
    this.ledger.unread += end - first;
    this.ledger.usedBytes += bytes;
    return end;
  }

  private runEnd(batch: EncodedBatch, first: number, segment: Segment): number {
    const { segmentBytes, maxBytes } = this.settings;
    const frames = batch.starts.length - 1;
    let end = first + 1;
    let bytes = frameBytes(batch, first);
    while (end < frames) {
      const withNext = bytes + frameBytes(batch, end);
      if (segment.size + withNext > segmentBytes || this.ledger.usedBytes + withNext > maxBytes) break;
      bytes = withNext;
      end++;
    }
    return end;
  }

  /** A write failed: the items not written are lost; a failed fsync loses nothing yet. */
  private reportFailure(error: Error, lost: number): void {
    const { log, name, folder } = this.settings;
    if (lost > 0) {
      log.error(`SPOOL: ${name}: writing to ${folder} failed; ${lost} item(s) dropped`, {
        error: error.message,
      });
      this.drops.count(SPOOL_DROP_REASONS.writeFailed, lost, true);
    } else log.warn(`SPOOL: ${name}: fsync failed: ${error.message}`);
  }
}

function frameBytes(batch: EncodedBatch, index: number): number {
  return batch.starts[index + 1]! - batch.starts[index]!;
}

/** `texts` in runs of about `bytes` (a text larger than that gets a run of its own). */
function* chunksOf(
  texts: readonly (string | Uint8Array)[],
  bytes: number,
): Generator<readonly (string | Uint8Array)[]> {
  let start = 0;
  let size = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    // A string's UTF-8 length is at most three bytes per UTF-16 unit; close enough to split by.
    const length = FRAME_HEADER_BYTES + (typeof text === 'string' ? text.length * 3 : text.length);
    if (i > start && size + length > bytes) {
      yield texts.slice(start, i);
      start = i;
      size = 0;
    }
    size += length;
  }
  if (start < texts.length) yield start === 0 ? texts : texts.slice(start);
}
