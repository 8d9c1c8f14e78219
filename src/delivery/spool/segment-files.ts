/**
 * The files of a spool folder and the operations on them that need none of the spool's state:
 * names, listing, creating a segment, complete positional writes, folder fsync, and the
 * repair copy of a damaged segment.
 *
 * In `<directory>/<name>/`:
 * - `<12-digit id>.seg`: append-only segments (format in `format.ts`), oldest id first;
 * - `cursor.json`: the position of the oldest record not yet committed (see `ledger.ts`);
 * - `*.tmp`: a file being replaced (the cursor, or a segment being repaired).
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { type FileHandle, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentReader,
  sealFrame,
} from './format.ts';

export const SEGMENT_FILE = /^(\d{12})\.seg$/;
export const CURSOR_FILE = 'cursor.json';

export function segmentPath(folder: string, id: number): string {
  return join(folder, `${String(id).padStart(12, '0')}.seg`);
}

/** The ids of the segments in `folder`, oldest first; leftover `*.tmp` files are removed. */
export async function listSegments(folder: string): Promise<number[]> {
  const ids: number[] = [];
  for (const file of await readdir(folder)) {
    const match = SEGMENT_FILE.exec(file);
    if (match) ids.push(Number(match[1]));
    else if (file.endsWith('.tmp')) await rm(join(folder, file), { force: true });
  }
  return ids.sort((a, b) => a - b);
}

/** Creates a new segment file holding just its header, open for appending at its end. */
export async function createSegment(path: string): Promise<FileHandle> {
  const file = await open(path, 'wx', 0o600);
  try {
    await file.write(SEGMENT_MAGIC, 0, SEGMENT_HEADER_BYTES, 0);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  return file;
}

export async function truncateSegment(path: string, size: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.truncate(size);
  } finally {
    await file.close();
  }
}

export async function writeAll(file: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

export function syncFolder(folder: string): void {
  // Not possible on every platform (Windows refuses to open folders); best effort.
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

/**
 * Writes `<path>.tmp`: a correct header, the bytes before `start` unchanged (committed
 * records; kept so the cursor's offset stays valid) and the good frames from `start` on,
 * numbered again from `startSeq`.
 */
export async function writeRepaired(
  source: FileHandle,
  path: string,
  start: number,
  startSeq: number,
  end: number,
): Promise<{ size: number; nextSeq: number }> {
  const out = await open(`${path}.tmp`, 'w', 0o600);
  try {
    const prefix = Buffer.alloc(start);
    await source.read(prefix, 0, start, 0);
    SEGMENT_MAGIC.copy(prefix, 0);
    await writeAll(out, prefix, 0);
    let size = start;
    let seq = startSeq;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const flush = async () => {
      const data = Buffer.concat(chunk, chunkBytes);
      await writeAll(out, data, size);
      size += data.length;
      chunk = [];
      chunkBytes = 0;
    };
    const reader = new SegmentReader(source, start, end, startSeq);
    for (let result = await reader.next(); result; result = await reader.next()) {
      if (result.kind !== 'record') continue;
      const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + result.payload.length);
      frame.writeUInt32LE(result.payload.length, 4);
      result.payload.copy(frame, FRAME_HEADER_BYTES);
      sealFrame(frame, 0, seq++);
      chunk.push(frame);
      chunkBytes += frame.length;
      if (chunkBytes >= 256 * 1024) await flush();
    }
    await flush();
    await out.datasync();
    return { size, nextSeq: seq };
  } finally {
    await out.close();
  }
}
