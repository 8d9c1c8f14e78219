/**
 * File operations of the disk spool that need none of its state: complete positional
 * writes, folder fsync, and the repair copy of a damaged segment.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { FRAME_HEADER_BYTES, SEGMENT_MAGIC, SegmentReader, sealFrame } from './format.ts';

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
