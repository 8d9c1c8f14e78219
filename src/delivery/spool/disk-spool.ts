/**
 * The disk spool: where a delivery queue puts what it cannot hold in memory, and
 * where it reads it back from when the destination recovers. Implements `Overflow<T>`.
 *
 * Files, in `<directory>/<name>/`:
 * - `<12-digit id>.seg`: append-only segments (format in `format.ts`), oldest id first;
 * - `cursor.json`: the position of the oldest record not yet committed, replaced atomically
 *   (write `cursor.json.tmp`, then rename) on every commit.
 *
 * Guarantees (details and the reasons behind them in docs/delivery.md):
 * - `accept` resolves once its items are written to the segment file (in the OS page cache):
 *   a crash of the process (`kill -9`) loses none of them. Data is fsynced every
 *   `fsyncIntervalMs` and on segment roll and close, so an OS crash or power cut can lose
 *   what was accepted since the last fsync (torn frames are then detected on open).
 * - Replay is oldest first: `peek` reads from the cursor, `commit` moves it. Items peeked but
 *   not committed are replayed again after a restart: at-least-once.
 * - At `maxBytes` the drop policy applies; every record dropped is counted by reason in
 *   `stats().droppedByReason` and warned about, rate-limited.
 * - Damaged frames (torn tail, flipped bits) are found when the spool opens, skipped, counted
 *   as `corrupt` and logged once; the good records around them are kept.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger.ts';
import type { Overflow } from '../types.ts';
import {
  encodeFrames,
  MAX_RECORD_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentReader,
  sealFrame,
} from './format.ts';
import { syncFolder, writeAll, writeRepaired } from './segment-files.ts';

export type SpoolDropPolicy = 'drop_oldest' | 'drop_newest';

export interface DiskSpoolOptions<T> {
  /** Folder holding all spools; this spool uses the sub-folder `name`. Created if missing. */
  directory: string;
  /** One spool per sink: a safe file name (letters, digits, `.`, `_`, `-`); see `spoolNameFor`. */
  name: string;
  /** Cap on the bytes of all segment files together. */
  maxBytes: number;
  /** Size at which a segment is closed and a new one started (default maxBytes/16, within 64 KiB..8 MiB). */
  segmentBytes?: number;
  /** Item to text (default JSON.stringify). */
  encode?: (item: T) => string;
  /** Text back to item (default JSON.parse). */
  decode?: (text: string) => T;
  log: Logger;
  /** What to drop when `maxBytes` is reached (default `drop_oldest`). */
  dropPolicy?: SpoolDropPolicy;
  /** How often written data is fsynced (default 1000 ms; 0 = after every accept). */
  fsyncIntervalMs?: number;
  /** Least time between two warnings about dropped records (default 10 s). */
  warnIntervalMs?: number;
}

export interface DiskSpoolStats {
  /** Records waiting for replay (including those peeked but not committed). */
  records: number;
  /** Bytes of the segment files on disk (what `maxBytes` caps). */
  bytes: number;
  segments: number;
  /** Records the spool itself dropped, by reason: `spool_full`, `corrupt`, `undecodable`, ... */
  droppedByReason: Record<string, number>;
}

export interface DiskSpool<T> extends Overflow<T> {
  /** Resolves when the spool has opened (found and checked what a previous run left). */
  readonly ready: Promise<void>;
  stats(): DiskSpoolStats;
  /** Waits for pending work, fsyncs and closes files. Later accepts are refused. */
  close(): Promise<void>;
}

/** Reasons under which the spool counts the records it drops itself. */
export const SPOOL_DROP_REASONS = {
  /** The cap was reached and the policy chose these records. */
  full: 'spool_full',
  /** A damaged frame in a segment file (torn write, flipped bits). */
  corrupt: 'corrupt',
  /** A frame that checked out but that `decode` refused. */
  undecodable: 'undecodable',
  /** `encode` threw or returned a text too large for a frame. */
  unencodable: 'unencodable',
  /** Writing to the disk failed (disk full, I/O error). */
  writeFailed: 'spool_write_failed',
} as const;

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SEGMENT_FILE = /^(\d{12})\.seg$/;
const CURSOR_FILE = 'cursor.json';

interface Segment {
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
interface Position {
  segment: number;
  offset: number;
  seq: number;
}

interface CachedItem<T> {
  item: T;
  /** The position just after this item's frame. */
  after: Position;
}

/** An error whose `reason` the delivery queue uses to count the items it could not spool. */
class SpoolError extends Error {
  readonly reason: string;
  constructor(message: string, reason: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SpoolError';
    this.reason = reason;
  }
}

/**
 * Turns a destination description into a spool name: readable, safe and unique per input.
 * Credentials in URLs (`//user:password@`) are left out of the readable part.
 */
export function spoolNameFor(destination: string): string {
  const withoutCredentials = destination.replace(/\/\/[^/@\s]*@/g, '//');
  const readable = withoutCredentials
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 60);
  let hash = 0x811c9dc5; // FNV-1a, so that names differing only in dropped characters stay apart
  for (let i = 0; i < withoutCredentials.length; i++) {
    hash = Math.imul(hash ^ withoutCredentials.charCodeAt(i), 0x01000193);
  }
  return `${readable || 'sink'}-${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

export function createDiskSpool<T>(options: DiskSpoolOptions<T>): DiskSpool<T> {
  const { directory, name } = options;
  if (typeof name !== 'string' || !SAFE_NAME.test(name) || name === '.' || name === '..') {
    throw new TypeError(
      `disk spool: name ${JSON.stringify(name)} is not a safe file name (letters, digits, '.', '_', '-'; at most 100)`,
    );
  }
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new TypeError('disk spool: directory must be a non-empty path');
  }
  const maxBytes = options.maxBytes;
  if (!Number.isFinite(maxBytes) || maxBytes <= SEGMENT_HEADER_BYTES) {
    throw new TypeError(
      `disk spool: maxBytes must be a number above ${SEGMENT_HEADER_BYTES}, got ${maxBytes}`,
    );
  }
  const segmentBytes = Math.max(
    SEGMENT_HEADER_BYTES + 1,
    options.segmentBytes ?? Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.floor(maxBytes / 16))),
  );
  const encode = options.encode ?? ((item: T) => JSON.stringify(item));
  const decode = options.decode ?? ((text: string) => JSON.parse(text) as T);
  const dropPolicy: SpoolDropPolicy = options.dropPolicy ?? 'drop_oldest';
  if (dropPolicy !== 'drop_oldest' && dropPolicy !== 'drop_newest') {
    throw new TypeError(
      `disk spool: dropPolicy must be drop_oldest or drop_newest, got ${String(dropPolicy)}`,
    );
  }
  const fsyncIntervalMs = Math.max(0, options.fsyncIntervalMs ?? 1000);
  const warnIntervalMs = Math.max(0, options.warnIntervalMs ?? 10_000);
  const folder = join(directory, name);
  const cursorPath = join(folder, CURSOR_FILE);
  const log = options.log.child({ spool: name });

  let segments: Segment[] = [];
  /** The segment being appended to (always the last one), with its open file. */
  let active: { segment: Segment; file: FileHandle; dirty: boolean } | undefined;
  let nextSegmentId = 1;
  /** Oldest record not committed (durable in cursor.json). */
  let cursor: Position = { segment: 1, offset: SEGMENT_HEADER_BYTES, seq: 0 };
  /** Where the reader continues: records between cursor and readPos are in `cache`. */
  let readPos: Position = cursor;
  let reader: { segment: number; file: FileHandle; reader: SegmentReader } | undefined;
  let cache: CachedItem<T>[] = [];
  let unreadTotal = 0;
  let usedBytes = 0;
  let opened = false;
  let closed = false;
  let unavailable: Error | undefined;
  const listeners: (() => void)[] = [];
  const dropped: Record<string, number> = {};

  // ---- serialising: every operation touching files or positions runs one at a time -------
  let chain: Promise<unknown> = Promise.resolve();
  function serial<R>(operation: () => Promise<R>): Promise<R> {
    const run = chain.then(operation);
    chain = run.catch(() => undefined);
    return run;
  }

  // ---- drop accounting and rate-limited warnings -----------------------------------------
  let warned: Record<string, number> = {};
  let lastWarnAt = 0;
  let warnTimer: NodeJS.Timeout | undefined;
  function countDrop(reason: string, count: number, alreadyLogged = false): void {
    if (count <= 0) return;
    dropped[reason] = (dropped[reason] ?? 0) + count;
    if (alreadyLogged) {
      warned[reason] = (warned[reason] ?? 0) + count; // logged by the caller already
      return;
    }
    if (warnTimer) return;
    const wait = lastWarnAt + warnIntervalMs - Date.now();
    if (wait <= 0) warnDrops();
    else {
      warnTimer = setTimeout(warnDrops, wait);
      warnTimer.unref();
    }
  }
  function warnDrops(): void {
    warnTimer = undefined;
    const since: Record<string, number> = {};
    for (const [reason, count] of Object.entries(dropped)) {
      const delta = count - (warned[reason] ?? 0);
      if (delta > 0) since[reason] = delta;
    }
    warned = { ...dropped };
    if (Object.keys(since).length === 0) return;
    lastWarnAt = Date.now();
    log.warn(`SPOOL: ${name}: records dropped`, {
      dropped: since,
      policy: dropPolicy,
      maxBytes,
      ...statsNow(),
    });
  }

  // ---- opening ---------------------------------------------------------------------------
  const ready = serial(openSpool).then(
    () => {
      opened = true;
      if (unreadTotal > 0) for (const listener of listeners) notify(listener);
    },
    (error: unknown) => {
      unavailable = error instanceof Error ? error : new Error(String(error));
      log.error(`SPOOL: ${name}: cannot use spool folder ${folder}; items that overflow will be dropped`, {
        error: unavailable.message,
      });
    },
  );

  function notify(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      log.error(`SPOOL: ${name}: an onAvailable listener failed: ${(error as Error).message}`);
    }
  }

  async function openSpool(): Promise<void> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const names = await readdir(folder);
    const ids: number[] = [];
    for (const file of names) {
      const match = SEGMENT_FILE.exec(file);
      if (match) ids.push(Number(match[1]));
      else if (file.endsWith('.tmp')) await rm(join(folder, file), { force: true });
    }
    ids.sort((a, b) => a - b);
    const saved = await readCursor();
    if (saved) cursor = saved;
    else if (ids.length > 0) cursor = { segment: ids[0]!, offset: SEGMENT_HEADER_BYTES, seq: 0 };
    const damage: { segment: number; start: number; end: number; lost: number; tail: boolean }[] = [];
    for (const id of ids) {
      const path = segmentPath(id);
      nextSegmentId = Math.max(nextSegmentId, id + 1);
      if (id < cursor.segment) {
        await rm(path, { force: true }); // fully committed; its deletion was interrupted
        continue;
      }
      const found = await scanSegment(id, path, damage);
      if (found) segments.push(found);
    }
    nextSegmentId = Math.max(nextSegmentId, cursor.segment + 1);
    // Segments with nothing left to replay are removed now, so the cursor starts at real data.
    const keep: Segment[] = [];
    for (const segment of segments) {
      if (segment.unread === 0) await rm(segment.path, { force: true });
      else keep.push(segment);
    }
    segments = keep;
    const first = segments[0];
    if (!first || first.id !== cursor.segment) {
      cursor = { segment: first?.id ?? nextSegmentId, offset: SEGMENT_HEADER_BYTES, seq: 0 };
    }
    readPos = cursor;
    unreadTotal = segments.reduce((sum, s) => sum + s.unread, 0);
    usedBytes = segments.reduce((sum, s) => sum + s.size, 0);
    if (damage.length > 0) {
      const lost = damage.reduce((sum, d) => sum + d.lost, 0);
      countDrop(SPOOL_DROP_REASONS.corrupt, lost, true);
      log.warn(
        `SPOOL: ${name}: ${damage.length} damaged region(s) found and skipped, ${lost} record(s) lost`,
        {
          regions: damage.slice(0, 10),
        },
      );
    }
    if (unreadTotal > 0) {
      log.info(`SPOOL: ${name}: found ${unreadTotal} record(s) to replay from a previous run`, {
        folder,
        bytes: usedBytes,
        segments: segments.length,
      });
    }
  }

  async function readCursor(): Promise<Position | undefined> {
    let text: string;
    try {
      text = await readFile(cursorPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const value = JSON.parse(text) as Partial<Position>;
      const valid = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
      if (valid(value.segment) && valid(value.offset) && valid(value.seq)) {
        return {
          segment: value.segment,
          offset: Math.max(SEGMENT_HEADER_BYTES, value.offset),
          seq: value.seq,
        };
      }
    } catch {}
    log.warn(
      `SPOOL: ${name}: ${cursorPath} is unreadable; replaying from the oldest segment (duplicates possible)`,
    );
    return undefined;
  }

  /**
   * Checks one segment left by a previous run: counts its good records from the cursor on,
   * cuts off a torn tail, and rewrites it without damaged regions found in the middle (so the
   * damage is counted and logged once, not at every start).
   */
  async function scanSegment(
    id: number,
    path: string,
    damage: { segment: number; start: number; end: number; lost: number; tail: boolean }[],
  ): Promise<Segment | undefined> {
    const file = await open(path, 'r+');
    let rewritten: { size: number; nextSeq: number } | undefined;
    let segment: Segment;
    try {
      const { size } = await file.stat();
      const magic = Buffer.alloc(SEGMENT_HEADER_BYTES);
      await file.read(magic, 0, SEGMENT_HEADER_BYTES, 0);
      const magicOk = magic.equals(SEGMENT_MAGIC);
      if (size <= SEGMENT_HEADER_BYTES) {
        // Created but nothing (or not even its header) written before a crash: it holds nothing.
        await file.close();
        await rm(path, { force: true });
        return undefined;
      }
      if (!magicOk) damage.push({ segment: id, start: 0, end: SEGMENT_HEADER_BYTES, lost: 0, tail: false });
      const atCursor = id === cursor.segment;
      const start = atCursor ? Math.min(cursor.offset, size) : SEGMENT_HEADER_BYTES;
      const startSeq = atCursor ? cursor.seq : 0;
      const scan = new SegmentReader(file, start, size, startSeq);
      segment = { id, path, size, unread: 0, nextSeq: 0, knownDamage: new Set() };
      for (let result = await scan.next(); result; result = await scan.next()) {
        if (result.kind === 'record') segment.unread++;
        else {
          damage.push({ segment: id, ...result });
          if (result.tail) {
            // Nothing good follows: cut it off, so the file ends with complete frames.
            await file.truncate(result.start);
            segment.size = result.start;
          } else segment.knownDamage.add(result.start);
        }
      }
      segment.nextSeq = scan.nextSeq;
      if (!magicOk || segment.knownDamage.size > 0) {
        try {
          rewritten = await writeRepaired(file, path, start, startSeq, segment.size);
        } catch (error) {
          // The damage stays; the reader skips it again (without counting it twice).
          log.warn(`SPOOL: ${name}: could not rewrite damaged ${path}: ${(error as Error).message}`);
        }
      }
    } finally {
      await file.close().catch(() => undefined);
    }
    if (rewritten) {
      await rename(`${path}.tmp`, path); // after closing it: Windows cannot replace an open file
      syncFolder(folder);
      segment.size = rewritten.size;
      segment.nextSeq = rewritten.nextSeq;
      segment.knownDamage.clear();
    }
    return segment;
  }

  function segmentPath(id: number): string {
    return join(folder, `${String(id).padStart(12, '0')}.seg`);
  }

  // ---- appending -------------------------------------------------------------------------
  async function startSegment(): Promise<void> {
    await rollActive();
    const id = nextSegmentId++;
    const path = segmentPath(id);
    const file = await open(path, 'wx', 0o600);
    try {
      await file.write(SEGMENT_MAGIC, 0, SEGMENT_HEADER_BYTES, 0);
    } catch (error) {
      await file.close().catch(() => undefined);
      await rm(path, { force: true });
      throw error;
    }
    syncFolder(folder); // so that a power cut does not forget the new file's name
    const segment: Segment = {
      id,
      path,
      size: SEGMENT_HEADER_BYTES,
      unread: 0,
      nextSeq: 0,
      knownDamage: new Set(),
    };
    segments.push(segment);
    usedBytes += SEGMENT_HEADER_BYTES;
    active = { segment, file, dirty: true };
  }

  /** Closes the active segment (fsynced); the next append starts a new one. */
  async function rollActive(): Promise<void> {
    if (!active) return;
    const { file, dirty } = active;
    active = undefined;
    try {
      if (dirty) await file.datasync();
    } finally {
      await file.close();
    }
  }

  async function append(items: T[]): Promise<void> {
    // Encode everything first: one buffer, then one write per segment the batch lands in.
    const texts: string[] = [];
    let unencodable = 0;
    for (const item of items) {
      try {
        const text = encode(item);
        const fits =
          typeof text === 'string' &&
          (text.length <= MAX_RECORD_BYTES / 3 || Buffer.byteLength(text, 'utf8') <= MAX_RECORD_BYTES);
        if (!fits) unencodable++;
        else texts.push(text);
      } catch {
        unencodable++;
      }
    }
    countDrop(SPOOL_DROP_REASONS.unencodable, unencodable); // warned about, rate-limited
    const { buffer, starts } = encodeFrames(texts);
    let full = 0;
    let i = 0;
    try {
      while (i < texts.length) {
        const frameBytes = starts[i + 1]! - starts[i]!;
        const spaceNeeded = () => {
          const fresh =
            !active || (active.segment.nextSeq > 0 && active.segment.size + frameBytes > segmentBytes);
          return frameBytes + (fresh ? SEGMENT_HEADER_BYTES : 0);
        };
        if (dropPolicy === 'drop_oldest') {
          while (usedBytes + spaceNeeded() > maxBytes && (await dropOldestUnread()) > 0) {}
        }
        if (usedBytes + spaceNeeded() > maxBytes) {
          full++;
          i++;
          continue;
        }
        if (spaceNeeded() > frameBytes) await startSegment();
        // Take as many following frames as fit in this segment and under the cap: one write.
        const target = active!;
        let j = i + 1;
        let bytes = frameBytes;
        while (j < texts.length) {
          const next = starts[j + 1]! - starts[j]!;
          if (target.segment.size + bytes + next > segmentBytes || usedBytes + bytes + next > maxBytes) break;
          bytes += next;
          j++;
        }
        for (let k = i; k < j; k++) sealFrame(buffer, starts[k]!, target.segment.nextSeq + (k - i));
        // On failure nothing of this write counts: the next write goes to the same offset.
        await writeAll(target.file, buffer.subarray(starts[i]!, starts[j]!), target.segment.size);
        target.dirty = true;
        target.segment.size += bytes;
        target.segment.nextSeq += j - i;
        target.segment.unread += j - i;
        unreadTotal += j - i;
        usedBytes += bytes;
        i = j;
      }
      if (fsyncIntervalMs === 0 && active?.dirty) {
        active.dirty = false;
        await active.file.datasync();
      }
    } catch (error) {
      const lost = texts.length - i;
      if (lost > 0) {
        log.error(`SPOOL: ${name}: writing to ${folder} failed; ${lost} item(s) dropped`, {
          error: (error as Error).message,
        });
        countDrop(SPOOL_DROP_REASONS.writeFailed, lost, true);
      } else log.warn(`SPOOL: ${name}: fsync failed: ${(error as Error).message}`);
    } finally {
      if (full > 0) countDrop(SPOOL_DROP_REASONS.full, full);
    }
  }

  /**
   * Drop policy `drop_oldest`: frees the oldest records nobody has read yet, one segment (or the
   * unread rest of the segment being replayed) at a time. Records already peeked stay, since
   * they are being delivered. Returns the bytes freed (0 when nothing can be dropped).
   */
  async function dropOldestUnread(): Promise<number> {
    for (const segment of segments) {
      if (segment.id < readPos.segment) continue;
      const from = segment.id === readPos.segment ? readPos.offset : SEGMENT_HEADER_BYTES;
      if (from >= segment.size) continue;
      if (active?.segment === segment) await rollActive();
      const freedBytes = segment.size - from;
      const lost = segment.unread;
      if (reader?.segment === segment.id) {
        const { file } = reader;
        reader = undefined;
        await file.close();
      }
      const wholeFile = from === SEGMENT_HEADER_BYTES;
      if (wholeFile) {
        await rm(segment.path, { force: true });
        segments = segments.filter((s) => s !== segment);
        usedBytes -= segment.size;
        if (readPos.segment === segment.id) {
          // Nothing of it was read, so nothing of it is cached: positions move to what follows.
          const following = segments.find((s) => s.id > segment.id);
          readPos = { segment: following?.id ?? nextSegmentId, offset: SEGMENT_HEADER_BYTES, seq: 0 };
          if (cursor.segment === segment.id) cursor = readPos;
        }
      } else {
        // Part of it was read (and is being delivered or committed): keep that part.
        const file = await open(segment.path, 'r+');
        try {
          await file.truncate(from);
        } finally {
          await file.close();
        }
        segment.size = from;
        usedBytes -= freedBytes;
      }
      segment.unread = 0;
      unreadTotal -= lost;
      countDrop(SPOOL_DROP_REASONS.full, lost);
      return wholeFile ? segment.size : freedBytes;
    }
    return 0;
  }

  // ---- replay ----------------------------------------------------------------------------
  async function readMore(max: number): Promise<void> {
    while (cache.length < max) {
      let segment = segments.find((s) => s.id === readPos.segment);
      if (!segment || readPos.offset >= segment.size) {
        if (segment && active?.segment === segment) return; // caught up with the writer
        if (segment && segment.unread > 0) {
          // Read to its end: what damage hid from the count is gone, so the count follows.
          unreadTotal -= segment.unread;
          segment.unread = 0;
        }
        const next = segments.find((s) => s.id > readPos.segment);
        if (!next) return;
        await detachReader();
        readPos = { segment: next.id, offset: SEGMENT_HEADER_BYTES, seq: 0 };
        segment = next;
        if (cache.length === 0) cursor = readPos; // nothing in between: the cursor may follow
        continue;
      }
      if (!reader || reader.segment !== segment.id) {
        await detachReader();
        const file = await open(segment.path, 'r');
        reader = {
          segment: segment.id,
          file,
          reader: new SegmentReader(file, readPos.offset, segment.size, readPos.seq),
        };
      }
      const current = reader.reader;
      current.end = segment.size;
      const result = await current.next();
      if (!result) {
        readPos = { segment: segment.id, offset: segment.size, seq: current.nextSeq };
        continue;
      }
      readPos = { segment: segment.id, offset: current.position, seq: current.nextSeq };
      if (result.kind === 'damage') {
        if (segment.knownDamage.has(result.start)) continue; // counted when the spool opened
        const lost = Math.min(result.lost, segment.unread);
        segment.unread -= lost;
        unreadTotal -= lost;
        countDrop(SPOOL_DROP_REASONS.corrupt, lost, true);
        log.warn(`SPOOL: ${name}: damaged data in ${segment.path} skipped, ${lost} record(s) lost`, {
          start: result.start,
          end: result.end,
        });
        continue;
      }
      segment.unread--;
      unreadTotal--;
      let item: T;
      try {
        item = decode(result.payload.toString('utf8'));
      } catch {
        // Counted and warned about (rate-limited); the error text is not logged, as it may
        // quote the record's content.
        countDrop(SPOOL_DROP_REASONS.undecodable, 1);
        continue;
      }
      cache.push({ item, after: readPos });
    }
  }

  async function detachReader(): Promise<void> {
    if (!reader) return;
    const { file } = reader;
    reader = undefined;
    await file.close();
  }

  async function commitItems(count: number): Promise<void> {
    const n = Math.min(Math.max(0, Math.floor(count)), cache.length);
    if (n === 0) return;
    // Skipped (damaged, undecodable) records after the last cached item go with it.
    let next = n === cache.length ? readPos : cache[n - 1]!.after;
    // At the end of a finished segment, point at the start of the next one, so that the
    // finished segment can go now rather than when the reader moves on.
    for (;;) {
      const segment = segments.find((s) => s.id === next.segment);
      if (!segment || next.offset < segment.size) break;
      if (segment === active?.segment) {
        // Replay caught up with the writer. Closing its segment lets it go now, at the cost of
        // an fsync and a new file; worth it once the segment is sizeable or space is short.
        const worthIt = segment.size >= segmentBytes / 4 || usedBytes > maxBytes / 2;
        if (!worthIt) break;
        await rollActive();
      }
      const following = segments.find((s) => s.id > segment.id);
      next = { segment: following?.id ?? nextSegmentId, offset: SEGMENT_HEADER_BYTES, seq: 0 };
    }
    if (n === cache.length) readPos = next;
    await writeCursor(next);
    cursor = next;
    cache = cache.slice(n);
    // Segments wholly before the cursor are done.
    const done = segments.filter((s) => s.id < cursor.segment);
    if (done.length > 0) {
      segments = segments.filter((s) => s.id >= cursor.segment);
      for (const segment of done) {
        if (reader?.segment === segment.id) await detachReader();
        usedBytes -= segment.size;
        await rm(segment.path, { force: true }).catch((error: Error) =>
          log.warn(`SPOOL: ${name}: could not delete ${segment.path}: ${error.message}`),
        );
      }
    }
  }

  async function writeCursor(position: Position): Promise<void> {
    const temporary = `${cursorPath}.tmp`;
    await writeFile(temporary, JSON.stringify({ version: 1, ...position }), { mode: 0o600 });
    await rename(temporary, cursorPath);
  }

  // ---- periodic fsync --------------------------------------------------------------------
  const fsyncTimer =
    fsyncIntervalMs > 0
      ? setInterval(() => {
          if (!active?.dirty) return;
          serial(async () => {
            if (!active?.dirty) return;
            active.dirty = false;
            await active.file.datasync();
          }).catch((error: Error) => log.warn(`SPOOL: ${name}: fsync failed: ${error.message}`));
        }, fsyncIntervalMs)
      : undefined;
  fsyncTimer?.unref();

  function statsNow(): DiskSpoolStats {
    return {
      records: cache.length + unreadTotal,
      bytes: usedBytes,
      segments: segments.length,
      droppedByReason: { ...dropped },
    };
  }

  function refuse(what: string): SpoolError | undefined {
    if (closed) return new SpoolError(`disk spool ${name} is closed; cannot ${what}`, 'spool_closed');
    if (unavailable) {
      return new SpoolError(
        `disk spool ${name} is unavailable (${unavailable.message}); cannot ${what}`,
        'spool_unavailable',
        unavailable,
      );
    }
    return undefined;
  }

  return {
    ready,
    async accept(items) {
      if (items.length === 0) return;
      await ready;
      await serial(() => {
        const refused = refuse('accept items'); // checked in turn: close() may have run meanwhile
        if (refused) throw refused;
        return append(items);
      });
    },
    size() {
      return cache.length + unreadTotal;
    },
    async peek(max) {
      await ready;
      if (refuse('replay')) return [];
      const wanted = Math.max(0, Math.floor(max));
      return serial(async () => {
        if (cache.length < wanted && !closed) await readMore(wanted);
        return cache.slice(0, wanted).map((c) => c.item);
      });
    },
    async commit(count) {
      await ready;
      await serial(() => {
        const refused = refuse('commit');
        if (refused) throw refused;
        return commitItems(count);
      });
    },
    onAvailable(listener) {
      listeners.push(listener);
      if (opened && unreadTotal > 0) queueMicrotask(() => notify(listener));
    },
    stats: statsNow,
    async close() {
      if (closed) return;
      await ready;
      await serial(async () => {
        closed = true;
        if (fsyncTimer) clearInterval(fsyncTimer);
        if (warnTimer) clearTimeout(warnTimer);
        warnDrops();
        await detachReader();
        await rollActive();
      });
    },
  };
}
