/**
 * The on-disk format of spool segments. Hand-written because it is small and hot: every
 * spooled item passes through `encodeFrames` once and `SegmentReader` once.
 *
 * A segment file starts with an 8-byte magic (`BSOSSPL1`), followed by frames:
 *
 *   offset 0   u32 LE  CRC-32 of bytes 4 .. end of payload (length, seq and payload)
 *   offset 4   u32 LE  payload length in bytes
 *   offset 8   u32 LE  seq: the record's number within the segment (0, 1, 2, ...)
 *   offset 12  payload (what the spool's encoder produced: UTF-8 text, or bytes as given)
 *
 * The CRC covers the length, so a corrupted length is caught like a corrupted payload; the
 * seq lets a reader that skipped a damaged region say how many records it lost there.
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export const SEGMENT_MAGIC = Buffer.from('BSOSSPL1', 'latin1');
export const SEGMENT_HEADER_BYTES = SEGMENT_MAGIC.length;
export const FRAME_HEADER_BYTES = 12;
/** Largest payload a frame may carry; a longer length field is treated as damage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Payloads laid out in one buffer with room for each frame header; seqs and CRCs come later. */
export interface EncodedBatch {
  buffer: Buffer;
  /** Start of each frame in `buffer`, plus one final entry: the end of the last frame. */
  starts: number[];
}

/**
 * Writes the payloads into one buffer, leaving each frame's header to `sealFrame`. With
 * `scratch` large enough, into it (the caller must be done with the previous batch).
 */
export function encodeFrames(texts: readonly (string | Uint8Array)[], scratch?: Buffer): EncodedBatch {
  const lengths = texts.map((t) => (typeof t === 'string' ? Buffer.byteLength(t, 'utf8') : t.length));
  let total = 0;
  for (const n of lengths) total += FRAME_HEADER_BYTES + n;
  const buffer = scratch && scratch.length >= total ? scratch : Buffer.allocUnsafe(total);
  const starts: number[] = [];
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    starts.push(at);
    const length = lengths[i]!;
    buffer.writeUInt32LE(length, at + 4);
    const text = texts[i]!;
    if (typeof text === 'string') buffer.write(text, at + FRAME_HEADER_BYTES, length, 'utf8');
    else buffer.set(text, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + length;
  }
  starts.push(at);
  return { buffer, starts };
}

/** Fills in the seq and CRC of the frame at `start` (its length is already there). */
export function sealFrame(buffer: Buffer, start: number, seq: number): void {
  buffer.writeUInt32LE(seq >>> 0, start + 8);
  const length = buffer.readUInt32LE(start + 4);
  buffer.writeUInt32LE(crc32(buffer.subarray(start + 4, start + FRAME_HEADER_BYTES + length)), start);
}

export type ReadResult =
  /** A good record. `payload` is only valid until the next call to `next()`. */
  | { kind: 'record'; payload: Buffer; seq: number; start: number; end: number }
  /**
   * A damaged region from `start` to `end` (file offsets). `lost` is how many records it held
   * (known from the seqs around it; at least 1). `tail` when it runs to the end of the data
   * read, e.g. a write torn by a crash.
   */
  | { kind: 'damage'; start: number; end: number; lost: number; tail: boolean };

/**
 * Reads the frames of one segment sequentially through a buffer (never the whole file),
 * checking each CRC and resynchronising after damage by searching for the next frame whose
 * CRC matches and whose seq follows the last good one.
 */
export class SegmentReader {
  private readonly file: FileHandle;
  private buffer: Buffer;
  /** File offset of buffer[0]. */
  private bufferAt: number;
  /** Valid bytes in the buffer. */
  private filled = 0;
  /** Read position, as an index into the buffer. */
  private cursor = 0;
  /** File offset up to which the segment holds data that may be read. */
  end: number;
  /** The seq the next good record is expected to have. */
  nextSeq: number;

  constructor(file: FileHandle, start: number, end: number, nextSeq: number, chunkBytes = 256 * 1024) {
    this.file = file;
    this.bufferAt = start;
    this.end = end;
    this.nextSeq = nextSeq;
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** File offset of the read position. */
  get position(): number {
    return this.bufferAt + this.cursor;
  }

  /** The next record or damaged region, or undefined at `end`. */
  async next(): Promise<ReadResult | undefined> {
    const start = this.position;
    if (start >= this.end) return undefined;
    const frame = await this.frameAt(start, this.nextSeq, undefined);
    if (frame) {
      this.cursor = frame.end - this.bufferAt;
      this.nextSeq = frame.seq + 1;
      return { kind: 'record', ...frame };
    }
    // Damage: find the next frame that checks out. The bytes skipped can have held at most one
    // record per FRAME_HEADER_BYTES, which bounds the seq a believable frame may carry.
    for (let at = start + 1; at + FRAME_HEADER_BYTES <= this.end; at++) {
      this.cursor = at - this.bufferAt; // bytes before `at` are no longer needed in the buffer
      const maxSeq = this.nextSeq + Math.ceil((at - start) / FRAME_HEADER_BYTES);
      const found = await this.frameAt(at, this.nextSeq, maxSeq);
      if (found) {
        const lost = Math.max(1, found.seq - this.nextSeq);
        this.cursor = at - this.bufferAt;
        this.nextSeq = found.seq;
        return { kind: 'damage', start, end: at, lost, tail: false };
      }
    }
    const end = this.end;
    this.bufferAt = end;
    this.cursor = 0;
    this.filled = 0;
    return { kind: 'damage', start, end, lost: 1, tail: true };
  }

  /**
   * The frame at file offset `at` if its header is plausible and its CRC matches. While
   * searching after damage (`maxSeq` given), only a seq in [expectedSeq, maxSeq] is believed.
   */
  private async frameAt(
    at: number,
    expectedSeq: number,
    maxSeq: number | undefined,
  ): Promise<{ payload: Buffer; seq: number; start: number; end: number } | undefined> {
    if (!(await this.ensure(at, FRAME_HEADER_BYTES))) return undefined;
    let i = at - this.bufferAt;
    const length = this.buffer.readUInt32LE(i + 4);
    const seq = this.buffer.readUInt32LE(i + 8);
    if (length > MAX_RECORD_BYTES || at + FRAME_HEADER_BYTES + length > this.end) return undefined;
    if (maxSeq !== undefined && (seq < expectedSeq || seq > maxSeq)) return undefined;
    if (!(await this.ensure(at, FRAME_HEADER_BYTES + length))) return undefined;
    i = at - this.bufferAt;
    const body = this.buffer.subarray(i + 4, i + FRAME_HEADER_BYTES + length);
    if (crc32(body) !== this.buffer.readUInt32LE(i)) return undefined;
    return {
      payload: this.buffer.subarray(i + FRAME_HEADER_BYTES, i + FRAME_HEADER_BYTES + length),
      seq,
      start: at,
      end: at + FRAME_HEADER_BYTES + length,
    };
  }

  /**
   * Makes bytes [at, at + count) available in the buffer, reading from the file as needed.
   * `at` is never before the read position. False when the segment ends first.
   */
  private async ensure(at: number, count: number): Promise<boolean> {
    if (at + count > this.end) return false;
    if (at >= this.bufferAt && at + count <= this.bufferAt + this.filled) return true;
    // Keep the bytes from the read position on, move them to the front, then read more.
    const keepFrom = Math.min(this.cursor, this.filled);
    const needed = at + count - (this.bufferAt + keepFrom);
    if (needed > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(bigger, 0, keepFrom, this.filled);
      this.buffer = bigger;
    } else if (keepFrom > 0) {
      this.buffer.copy(this.buffer, 0, keepFrom, this.filled);
    }
    this.filled -= keepFrom;
    this.bufferAt += keepFrom;
    this.cursor -= keepFrom;
    const want = Math.min(this.buffer.length, this.end - this.bufferAt);
    while (this.filled < want) {
      const { bytesRead } = await this.file.read(
        this.buffer,
        this.filled,
        want - this.filled,
        this.bufferAt + this.filled,
      );
      if (bytesRead === 0) {
        // The file is shorter than we were told: treat the rest as absent.
        this.end = this.bufferAt + this.filled;
        break;
      }
      this.filled += bytesRead;
    }
    return at + count <= this.bufferAt + this.filled;
  }
}
