/**
 * Read-only look into spool folders, for operators: what is waiting, how much, any damage,
 * and optionally the first records. Never changes a file, so it is safe while the agent runs
 * (it then shows a moment's picture).
 *
 *   node src/delivery/spool/inspect.ts <spoolDirectory> [name] [--records N]
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SegmentReader } from './format.ts';
import { CURSOR_FILE, SEGMENT_FILE } from './segment-files.ts';

export interface SpoolInspection {
  name: string;
  /** Records after the committed position: what the agent will replay. */
  records: number;
  bytes: number;
  segments: number;
  /** Damaged regions (the agent skips them and counts their records as `corrupt`). */
  damaged: { segment: string; start: number; end: number; lost: number }[];
  cursor: { segment: number; offset: number; seq: number } | undefined;
  /** The first records waiting, as stored (encoded text), when asked for. */
  sample: string[];
}

export async function inspectSpool(
  directory: string,
  name: string,
  sampleSize = 0,
): Promise<SpoolInspection> {
  const folder = join(directory, name);
  const files = (await readdir(folder)).filter((f) => SEGMENT_FILE.test(f)).sort();
  let cursor: SpoolInspection['cursor'];
  try {
    cursor = JSON.parse(await readFile(join(folder, CURSOR_FILE), 'utf8'));
  } catch {}
  const result: SpoolInspection = {
    name,
    records: 0,
    bytes: 0,
    segments: 0,
    damaged: [],
    cursor,
    sample: [],
  };
  for (const file of files) {
    const id = Number(SEGMENT_FILE.exec(file)![1]);
    if (cursor && id < cursor.segment) continue; // committed, about to be deleted
    const path = join(folder, file);
    const { size } = await stat(path);
    result.segments++;
    result.bytes += size;
    const handle = await open(path, 'r');
    try {
      const magic = Buffer.alloc(SEGMENT_HEADER_BYTES);
      await handle.read(magic, 0, SEGMENT_HEADER_BYTES, 0);
      if (!magic.equals(SEGMENT_MAGIC)) {
        // The agent repairs the header on its next start; the frames after it still count.
        result.damaged.push({ segment: file, start: 0, end: SEGMENT_HEADER_BYTES, lost: 0 });
      }
      const atCursor = cursor?.segment === id;
      const reader = new SegmentReader(
        handle,
        atCursor ? Math.min(size, cursor!.offset) : SEGMENT_HEADER_BYTES,
        size,
        atCursor ? cursor!.seq : 0,
      );
      for (let r = await reader.next(); r; r = await reader.next()) {
        if (r.kind === 'damage') {
          result.damaged.push({ segment: file, start: r.start, end: r.end, lost: r.lost });
          continue;
        }
        result.records++;
        if (result.sample.length < sampleSize) result.sample.push(r.payload.toString('utf8'));
      }
    } finally {
      await handle.close();
    }
  }
  return result;
}
