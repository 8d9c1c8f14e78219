/**
 * Opening a spool: finds what a previous run left in the folder and fills the ledger with it.
 * Restores the durable cursor, checks every segment from the cursor on (counting its good
 * records, cutting off a torn tail, rewriting it without damage found in the middle), removes
 * segments with nothing left to replay, and reports the damage once.
 */
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import type { DropCounter } from './drops.ts';
import { SPOOL_DROP_REASONS } from './drops.ts';
import { SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SegmentReader } from './format.ts';
import { type Ledger, readCursorFile, type Segment, startOf } from './ledger.ts';
import type { SpoolSettings } from './options.ts';
import { listSegments, segmentPath, syncFolder, writeRepaired } from './segment-files.ts';

/** A damaged region found while opening; `lost` records in it (0 for a damaged header). */
interface Damage {
  segment: number;
  start: number;
  end: number;
  lost: number;
  tail: boolean;
}

/** A segment as checked, with the size and next seq of its repaired copy when one was written. */
interface CheckedSegment {
  segment: Segment;
  repaired?: { size: number; nextSeq: number } | undefined;
}

/** Fills the (empty) ledger from the spool folder, creating the folder if missing. */
export async function recoverSpool<T>(
  settings: SpoolSettings<T>,
  ledger: Ledger,
  drops: DropCounter,
): Promise<void> {
  await new Recovery(settings, ledger).run(drops);
}

class Recovery<T> {
  private readonly settings: SpoolSettings<T>;
  private readonly ledger: Ledger;
  private readonly damage: Damage[] = [];

  constructor(settings: SpoolSettings<T>, ledger: Ledger) {
    this.settings = settings;
    this.ledger = ledger;
  }

  async run(drops: DropCounter): Promise<void> {
    const { folder, cursorPath, log, name } = this.settings;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const ids = await listSegments(folder);
    const saved = await readCursorFile(cursorPath, () =>
      log.warn(
        `SPOOL: ${name}: ${cursorPath} is unreadable; replaying from the oldest segment (duplicates possible)`,
      ),
    );
    this.ledger.cursor = saved ?? startOf(ids[0] ?? 1);
    await this.keepSegmentsWithRecords(await this.scanAll(ids));
    this.placeCursor();
    this.report(drops);
  }

  private async scanAll(ids: number[]): Promise<Segment[]> {
    const { ledger } = this;
    const found: Segment[] = [];
    for (const id of ids) {
      const path = segmentPath(this.settings.folder, id);
      ledger.nextSegmentId = Math.max(ledger.nextSegmentId, id + 1);
      if (id < ledger.cursor.segment) {
        await rm(path, { force: true }); // fully committed; its deletion was interrupted
        continue;
      }
      const segment = await this.scan(id, path);
      if (segment) found.push(segment);
    }
    ledger.nextSegmentId = Math.max(ledger.nextSegmentId, ledger.cursor.segment + 1);
    return found;
  }

  /** Segments with nothing left to replay are removed now, so the cursor starts at real data. */
  private async keepSegmentsWithRecords(found: Segment[]): Promise<void> {
    for (const segment of found) {
      if (segment.unread === 0) await rm(segment.path, { force: true });
      else this.ledger.add(segment);
    }
  }

  private placeCursor(): void {
    const { ledger } = this;
    const first = ledger.segments[0];
    if (!first || first.id !== ledger.cursor.segment) {
      ledger.cursor = startOf(first?.id ?? ledger.nextSegmentId);
    }
    ledger.readPos = ledger.cursor;
  }

  /**
   * Checks one segment left by a previous run, and replaces it by its repaired copy if one
   * was written. Undefined for a segment that holds nothing (and is removed).
   */
  private async scan(id: number, path: string): Promise<Segment | undefined> {
    const file = await open(path, 'r+');
    let checked: CheckedSegment | undefined;
    try {
      checked = await this.check(file, id, path);
    } finally {
      await file.close().catch(() => undefined);
    }
    if (!checked) {
      // Created but nothing (or not even its header) written before a crash: it holds nothing.
      await rm(path, { force: true });
      return undefined;
    }
    const { segment, repaired } = checked;
    if (repaired) {
      await rename(`${path}.tmp`, path); // after closing it: Windows cannot replace an open file
      syncFolder(this.settings.folder);
      segment.size = repaired.size;
      segment.nextSeq = repaired.nextSeq;
      segment.knownDamage.clear();
    }
    return segment;
  }

  /**
   * Counts the good records of a segment from the cursor on and cuts off a torn tail. If the
   * header or frames in the middle are damaged, writes a copy without them, so that the damage
   * is counted and logged once, not at every start.
   */
  private async check(file: FileHandle, id: number, path: string): Promise<CheckedSegment | undefined> {
    const { size } = await file.stat();
    if (size <= SEGMENT_HEADER_BYTES) return undefined;
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    await file.read(header, 0, SEGMENT_HEADER_BYTES, 0);
    const headerOk = header.equals(SEGMENT_MAGIC);
    if (!headerOk)
      this.damage.push({ segment: id, start: 0, end: SEGMENT_HEADER_BYTES, lost: 0, tail: false });
    const { cursor } = this.ledger;
    const atCursor = id === cursor.segment;
    const start = atCursor ? Math.min(cursor.offset, size) : SEGMENT_HEADER_BYTES;
    const startSeq = atCursor ? cursor.seq : 0;
    const segment: Segment = { id, path, size, unread: 0, nextSeq: 0, knownDamage: new Set() };
    await this.countRecords(file, segment, start, startSeq);
    if (headerOk && segment.knownDamage.size === 0) return { segment };
    try {
      return { segment, repaired: await writeRepaired(file, path, start, startSeq, segment.size) };
    } catch (error) {
      // The damage stays; the reader skips it again (without counting it twice).
      this.settings.log.warn(
        `SPOOL: ${this.settings.name}: could not rewrite damaged ${path}: ${(error as Error).message}`,
      );
      return { segment };
    }
  }

  private async countRecords(file: FileHandle, segment: Segment, start: number, startSeq: number) {
    const scan = new SegmentReader(file, start, segment.size, startSeq);
    for (let result = await scan.next(); result; result = await scan.next()) {
      if (result.kind === 'record') {
        segment.unread++;
        continue;
      }
      this.damage.push({ segment: segment.id, ...result });
      if (result.tail) {
        // Nothing good follows: cut it off, so the file ends with complete frames.
        await file.truncate(result.start);
        segment.size = result.start;
      } else segment.knownDamage.add(result.start);
    }
    segment.nextSeq = scan.nextSeq;
  }

  private report(drops: DropCounter): void {
    const { ledger, damage } = this;
    const { log, name, folder } = this.settings;
    if (damage.length > 0) {
      const lost = damage.reduce((sum, d) => sum + d.lost, 0);
      drops.count(SPOOL_DROP_REASONS.corrupt, lost, true);
      log.warn(
        `SPOOL: ${name}: ${damage.length} damaged region(s) found and skipped, ${lost} record(s) lost`,
        {
          regions: damage.slice(0, 10),
        },
      );
    }
    if (ledger.unread > 0) {
      log.info(`SPOOL: ${name}: found ${ledger.unread} record(s) to replay from a previous run`, {
        folder,
        bytes: ledger.usedBytes,
        segments: ledger.segments.length,
      });
    }
  }
}
