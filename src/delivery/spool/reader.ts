/**
 * The reader: replays records oldest first, from the ledger's read position on. What it has
 * read and decoded waits in a cache until committed, so peeking again costs nothing and a
 * commit knows the position just after each item. Damage that appeared while running and
 * records `decode` refuses are skipped and counted here.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { type DropCounter, SPOOL_DROP_REASONS } from './drops.ts';
import { type ReadResult, SegmentReader } from './format.ts';
import { type Ledger, type Position, type Segment, startOf } from './ledger.ts';
import type { SpoolSettings } from './options.ts';

interface CachedItem<T> {
  item: T;
  /** The position just after this item's frame. */
  after: Position;
}

export class SpoolReader<T> {
  private readonly settings: SpoolSettings<T>;
  private readonly ledger: Ledger;
  private readonly drops: DropCounter;
  /** Items read but not committed, oldest first; they lie between the cursor and `readPos`. */
  private cache: CachedItem<T>[] = [];
  /** The segment being read, kept open between peeks. */
  private current: { segment: number; file: FileHandle; frames: SegmentReader } | undefined;

  constructor(settings: SpoolSettings<T>, ledger: Ledger, drops: DropCounter) {
    this.settings = settings;
    this.ledger = ledger;
    this.drops = drops;
  }

  /** Items read and not committed yet. */
  get cached(): number {
    return this.cache.length;
  }

  /** Up to `max` of the oldest items not committed; reads from the files only what is not cached. */
  async peek(max: number): Promise<T[]> {
    if (this.cache.length < max) await this.readMore(max);
    return this.peekCached(max);
  }

  /** Up to `max` of the cached items, without reading more. */
  peekCached(max: number): T[] {
    return this.cache.slice(0, max).map((c) => c.item);
  }

  /**
   * The position just after the first `count` cached items. After all of them it is the read
   * position, so that records skipped after the last item (damaged, undecodable) go with it.
   */
  positionAfter(count: number): Position {
    return count === this.cache.length ? this.ledger.readPos : this.cache[count - 1]!.after;
  }

  /** Forgets the first `count` cached items (committed). */
  forget(count: number): void {
    this.cache = this.cache.slice(count);
  }

  /** Closes the segment file being read (if any); the next read opens it again. */
  async detach(): Promise<void> {
    if (!this.current) return;
    const { file } = this.current;
    this.current = undefined;
    await file.close();
  }

  /** Closes segment `id` if being read: it is about to be deleted or cut short. */
  async detachFrom(id: number): Promise<void> {
    if (this.current?.segment === id) await this.detach();
  }

  private async readMore(max: number): Promise<void> {
    const { ledger } = this;
    while (this.cache.length < max) {
      const segment = ledger.find(ledger.readPos.segment);
      if (!segment || ledger.readPos.offset >= segment.size) {
        if (await this.moveToNextSegment(segment)) continue;
        return;
      }
      // One await per record on this path: it runs for every record replayed.
      const frames =
        this.current?.segment === segment.id ? this.current.frames : await this.openSegment(segment);
      frames.end = segment.size; // the writer may have appended since the last read
      const result = await frames.next();
      ledger.readPos = {
        segment: segment.id,
        offset: result ? frames.position : segment.size,
        seq: frames.nextSeq,
      };
      if (result?.kind === 'damage') this.skipDamage(segment, result);
      else if (result) this.take(segment, result.payload);
    }
  }

  /**
   * At the end of `segment` (or of a segment that is gone): moves the read position to the
   * next segment. False when there is none, or when this is the one the writer appends to.
   */
  private async moveToNextSegment(segment: Segment | undefined): Promise<boolean> {
    const { ledger } = this;
    if (segment && segment === ledger.writing) return false; // caught up with the writer
    // Read to its end: what damage hid from the count is gone, so the count follows.
    if (segment && segment.unread > 0) ledger.forgetUnread(segment);
    const next = ledger.segments.find((s) => s.id > ledger.readPos.segment);
    if (!next) return false;
    await this.detach();
    ledger.readPos = startOf(next.id);
    if (this.cache.length === 0) ledger.cursor = ledger.readPos; // nothing in between: the cursor may follow
    return true;
  }

  /** Opens `segment` for reading from the read position (closing the one read before). */
  private async openSegment(segment: Segment): Promise<SegmentReader> {
    await this.detach();
    const file = await open(segment.path, 'r');
    const { offset, seq } = this.ledger.readPos;
    const frames = new SegmentReader(file, offset, segment.size, seq);
    this.current = { segment: segment.id, file, frames };
    return frames;
  }

  private skipDamage(segment: Segment, damage: ReadResult & { kind: 'damage' }): void {
    if (segment.knownDamage.has(damage.start)) return; // counted when the spool opened
    const lost = Math.min(damage.lost, segment.unread);
    this.ledger.forgetUnread(segment, lost);
    this.drops.count(SPOOL_DROP_REASONS.corrupt, lost, true);
    const { log, name } = this.settings;
    log.warn(`SPOOL: ${name}: damaged data in ${segment.path} skipped, ${lost} record(s) lost`, {
      start: damage.start,
      end: damage.end,
    });
  }

  private take(segment: Segment, payload: Buffer): void {
    this.ledger.forgetUnread(segment, 1);
    let item: T;
    try {
      item = this.settings.decode(payload);
    } catch {
      // Counted and warned about (rate-limited); the error text is not logged, as it may
      // quote the record's content.
      this.drops.count(SPOOL_DROP_REASONS.undecodable, 1);
      return;
    }
    this.cache.push({ item, after: this.ledger.readPos });
  }
}
