/**
 * Line protocol as bytes: what the InfluxDB destination queues, spools and sends.
 *
 * Why bytes and not strings: a profile of the agent at 10,000 events/s (bench/agent-cost.ts)
 * spent about a third of its CPU on lines as strings: building each line from dozens of
 * concatenations and escaping replaces, keeping it alive in the queue (each line survived
 * young-generation collections and was copied and promoted), joining a batch into one body
 * and converting that body to UTF-8 for the socket. Here a point is encoded once, straight
 * into a large shared slab: escaping, UTF-8 and the copy happen in one pass over each value,
 * with no string built on the way. The queue holds small views on the slab, and a batch of
 * lines encoded one after the other is already its request body: one view, no copy.
 *
 * The bytes are exactly `Buffer.from(encodeLine(point))` (line-protocol.ts states the rules;
 * a unit test compares the two on every kind of value).
 */
import type { SpoolCodec } from '../../delivery/types.ts';
import type { InfluxPoint, JsonText } from '../../mapping/shapes.ts';
import { encodeFieldValue, nowNs, timestampNs } from './line-protocol.ts';

/** One line: bytes (from a slab or the spool) or, from older callers and tests, a string. */
export type LineItem = Uint8Array | string;

const NEWLINE = 0x0a;
const SPACE = 0x20;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Large enough that a batch of 1,000 lines of ~1.2 KB mostly lies in one slab. */
const SLAB_BYTES = 2 * 1024 * 1024;

/** Which delimiters an escaped text must not end on: measurement names, or keys and tag values. */
const MEASUREMENT = 0;
const KEY = 1;

/** Slabs kept for reuse once all their lines are released (8 MB at most, idle). */
const MAX_FREE_SLABS = 4;

/** How many of a slab's lines the queue still holds. */
interface SlabUse {
  lines: number;
}

/**
 * Writes lines into slabs, each followed by a newline.
 *
 * Slabs are reused, not left to the garbage collector: under a flood the encoder fills tens
 * of MB of slabs per second, and V8 frees an ArrayBuffer that outlived a few young-generation
 * collections only at its next full collection, which external memory alone hardly brings
 * forward. Measured at 60,000 events/s for 10 s into InfluxDB 1.x (bench/overload-rss.ts),
 * external memory climbed to 184 MB of which 32 MB was queued, and the allocator kept the RSS
 * at 233 MB after the flood. So each slab counts the lines it holds that the queue has not
 * released (DeliverySink.release), and a slab whose count is back to zero is written again.
 * The counts are held weakly: a line the queue never releases (a write abandoned at the
 * close deadline, say) only keeps its slab from being reused, and the collector frees that
 * slab as before. A line released too early would be overwritten while still queued, so
 * the queue releases each line exactly once, when nothing reads it any more.
 */
export class LineSlab {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Where the line being written starts (moved with it when a new slab is needed). */
  private lineStart = 0;
  /** Whether lines are counted and slabs reused (`release` must then be called for them). */
  private readonly recycle: boolean;
  private current: SlabUse | undefined;
  /** Slabs with lines not yet released, by their memory (weakly: see above). */
  private readonly inUse = new WeakMap<ArrayBufferLike, SlabUse>();
  private readonly free: Buffer[] = [];

  private readonly slabBytes: number;

  /** `slabBytes` is for tests: small slabs are reused far more often. */
  constructor(options: { recycle?: boolean; slabBytes?: number } = {}) {
    this.recycle = options.recycle === true;
    this.slabBytes = options.slabBytes ?? SLAB_BYTES;
  }

  /** Slabs ready for reuse. */
  get freeSlabs(): number {
    return this.free.length;
  }

  /**
   * The queue holds `lines` no more: once none of a slab's lines is held, the slab is reused.
   * Lines from elsewhere (strings, lines read back from the spool) are ignored.
   */
  release(lines: readonly LineItem[]): void {
    if (!this.recycle) return;
    const inUse = this.inUse;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (typeof line === 'string') continue;
      const use = inUse.get(line.buffer);
      if (use === undefined) continue;
      use.lines--;
      if (use.lines === 0 && use !== this.current) this.retire(line.buffer);
    }
  }

  /** Every line of the slab over `memory` is released: it may be written again. */
  private retire(memory: ArrayBufferLike): void {
    this.inUse.delete(memory);
    if (this.free.length < MAX_FREE_SLABS && memory.byteLength === this.slabBytes)
      this.free.push(Buffer.from(memory as ArrayBuffer, 0, this.slabBytes));
  }

  /** The point's line as bytes (no newline), or undefined when it has no writable field. */
  encode(point: InfluxPoint): Buffer | undefined {
    this.lineStart = this.pos;
    this.escaped(point.measurement, MEASUREMENT);
    const tags = point.tags;
    for (const key in tags) {
      const value = tags[key];
      if (value === undefined || value === '' || key === '') continue;
      this.byte(COMMA);
      this.escaped(key, KEY);
      this.byte(EQUALS);
      this.escaped(typeof value === 'string' ? value : String(value), KEY);
    }
    let separator = SPACE;
    const fields = point.fields;
    for (const key in fields) {
      const field = fields[key];
      if (field === undefined || key === '') continue;
      if (field.type === 'string') {
        this.byte(separator);
        this.escaped(key, KEY);
        this.byte(EQUALS);
        this.byte(QUOTE);
        if (field.json !== undefined) this.json(field.json);
        else this.quoted(typeof field.value === 'string' ? field.value : String(field.value));
        this.byte(QUOTE);
      } else {
        const encoded = encodeFieldValue(field);
        if (encoded === undefined) continue;
        this.byte(separator);
        this.escaped(key, KEY);
        this.byte(EQUALS);
        this.ascii(encoded);
      }
      separator = COMMA;
    }
    if (separator === SPACE) {
      // No field could be written: the point is left out.
      this.pos = this.lineStart;
      return undefined;
    }
    this.byte(SPACE);
    const time =
      point.timeMs === undefined || !Number.isFinite(point.timeMs)
        ? nowNs()
        : timestampNs(point.timeMs, point.timeNsOffset);
    this.ascii(time);
    return this.endLine();
  }

  /** The line's UTF-8 bytes (no newline), for a line already encoded as text. */
  put(line: string): Buffer {
    this.lineStart = this.pos;
    this.ensure(line.length * 3);
    this.pos += this.buf.write(line, this.pos, 'utf8');
    return this.endLine();
  }

  /** A copy of `bytes` (a line read back from the spool). */
  copy(bytes: Uint8Array): Buffer {
    this.lineStart = this.pos;
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this.endLine();
  }

  private endLine(): Buffer {
    this.ensure(1);
    const line = this.buf.subarray(this.lineStart, this.pos);
    this.buf[this.pos++] = NEWLINE;
    if (this.current !== undefined) this.current.lines++;
    return line;
  }

  /** Room for `bytes` more bytes; a new slab takes the part of the line written so far. */
  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const written = this.pos - this.lineStart;
    const size = Math.max(this.slabBytes, written + bytes + 64);
    const reused = size === this.slabBytes ? this.free.pop() : undefined;
    const next = reused ?? Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, this.lineStart, this.pos);
    this.switchTo(next);
    this.lineStart = 0;
    this.pos = written;
  }

  /** Makes `next` the slab being filled; the one before is retired if none of its lines is held. */
  private switchTo(next: Buffer): void {
    const previous = this.current;
    const previousMemory = this.buf.buffer;
    this.buf = next;
    if (!this.recycle) return;
    this.current = { lines: 0 };
    this.inUse.set(next.buffer, this.current);
    if (previous !== undefined && previous.lines === 0) this.retire(previousMemory);
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Text known to be ASCII (numbers, timestamps). */
  private ascii(text: string): void {
    this.ensure(text.length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  // escaped(), jsonString() and quoted() walk the text with the same UTF-8 loop on purpose:
  // one loop per escaping rule is about 10 % faster than one table-driven loop for all three
  // (bench/encode-cost.ts, 4.4 against 4.9 µs per engine point), and this is the hot path.

  /**
   * A measurement name (`kind` MEASUREMENT) or a key or tag value (KEY): the delimiters get
   * a backslash, a backslash that would escape what follows it (or end the text) is doubled,
   * CR and LF are written as `\r` and `\n`.
   */
  private escaped(text: string, kind: number): void {
    const n = text.length;
    // At most 3 bytes per UTF-16 unit, escaped or not.
    this.ensure(n * 3);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c === COMMA || c === SPACE || (c === EQUALS && kind === KEY)) {
          buf[pos++] = BACKSLASH;
        } else if (c === BACKSLASH) {
          const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
          if (next === -1 || next === COMMA || next === SPACE || (next === EQUALS && kind === KEY)) {
            buf[pos++] = BACKSLASH;
          }
        } else if (c === NEWLINE || c === 0x0d) {
          buf[pos++] = BACKSLASH;
          buf[pos++] = c === NEWLINE ? 0x6e : 0x72;
          continue;
        }
        buf[pos++] = c;
      } else if (pairAt(text, i, c)) pos = writeCodePoint(buf, pos, pairCode(text, i++, c));
      else pos = writeCodePoint(buf, pos, c);
    }
    this.pos = pos;
  }

  /**
   * A string field's value that is JSON text (see JsonText), written from its parts: the JSON
   * and the string field's escaping in one pass, the same bytes as quoting `jsonText(json)`.
   */
  private json(json: JsonText): void {
    const { object, keys } = json;
    this.byte(0x7b); // {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (i > 0) this.byte(COMMA);
      this.copyBytes(quotedKeyPrefix(key));
      const value = object[key];
      if (typeof value === 'string') {
        this.copyBytes(ESCAPED_QUOTE);
        this.jsonString(value);
        this.copyBytes(ESCAPED_QUOTE);
      } else if (typeof value === 'number') this.ascii(Number.isFinite(value) ? String(value) : 'null');
      else this.quoted(value === undefined ? 'null' : JSON.stringify(value));
    }
    this.quoted(json.tail);
    this.byte(0x7d); // }
  }

  /**
   * The inside of a JSON string literal for `text` (as JSON.stringify escapes it), quoted for
   * a line protocol string field: each backslash and double quote of the JSON gets one more.
   */
  private jsonString(text: string): void {
    const n = text.length;
    // At most 7 bytes per unit: a control character or lone surrogate as \\uXXXX.
    this.ensure(n * 7);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c === QUOTE || c === BACKSLASH) {
          // JSON's \" or \\, each backslash and quote escaped again.
          buf[pos++] = BACKSLASH;
          buf[pos++] = BACKSLASH;
          buf[pos++] = BACKSLASH;
        }
        buf[pos++] = c;
      } else if (c < 0x20) pos = writeJsonControl(buf, pos, c);
      else if (pairAt(text, i, c)) pos = writeCodePoint(buf, pos, pairCode(text, i++, c));
      else if (c >= 0xd800 && c <= 0xdfff) pos = writeJsonUnicodeEscape(buf, pos, c);
      else pos = writeCodePoint(buf, pos, c);
    }
    this.pos = pos;
  }

  private copyBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < bytes.length; i++) buf[pos++] = bytes[i]!;
    this.pos = pos;
  }

  /** A string field's value (inside its quotes): double quote and backslash get a backslash. */
  private quoted(text: string): void {
    const n = text.length;
    this.ensure(n * 3);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c === QUOTE || c === BACKSLASH) buf[pos++] = BACKSLASH;
        buf[pos++] = c;
      } else if (pairAt(text, i, c)) pos = writeCodePoint(buf, pos, pairCode(text, i++, c));
      else pos = writeCodePoint(buf, pos, c);
    }
    this.pos = pos;
  }
}

/** `\"` : a JSON string's quote inside a line protocol string field. */
const ESCAPED_QUOTE = Buffer.from('\\"', 'latin1');

/** `"key":` of a JSON object member, quoted for a line protocol string field, per key. */
const KEY_PREFIXES = new Map<string, Uint8Array>();

function quotedKeyPrefix(key: string): Uint8Array {
  let prefix = KEY_PREFIXES.get(key);
  if (prefix === undefined) {
    const json = `${JSON.stringify(key)}:`;
    prefix = Buffer.from(json.replace(/\\/g, '\\\\').replace(/"/g, '\\"'), 'utf8');
    if (KEY_PREFIXES.size < 1000) KEY_PREFIXES.set(key, prefix);
  }
  return prefix;
}

/** JSON's short escapes of control characters (JSON.stringify's choice), else \u00XX. */
const JSON_SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

/** A control character as JSON writes it, with its backslash doubled for the string field. */
function writeJsonControl(buf: Buffer, pos: number, c: number): number {
  const short = JSON_SHORT_ESCAPES[c];
  if (short === undefined) return writeJsonUnicodeEscape(buf, pos, c);
  buf[pos] = BACKSLASH;
  buf[pos + 1] = BACKSLASH;
  buf[pos + 2] = short;
  return pos + 3;
}

const HEX = '0123456789abcdef';

/** `\\uXXXX` (lower-case hex, as JSON.stringify writes it), backslash doubled. */
function writeJsonUnicodeEscape(buf: Buffer, pos: number, c: number): number {
  buf[pos] = BACKSLASH;
  buf[pos + 1] = BACKSLASH;
  buf[pos + 2] = 0x75; // u
  for (let k = 0; k < 4; k++) buf[pos + 3 + k] = HEX.charCodeAt((c >> (12 - 4 * k)) & 0xf);
  return pos + 7;
}

/** True for the high half of a surrogate pair followed by its low half at `text[i + 1]`. */
function pairAt(text: string, i: number, c: number): boolean {
  if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/** The code point of the pair at `text[i]` (see pairAt). */
function pairCode(text: string, i: number, c: number): number {
  return 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00);
}

/**
 * Writes a non-ASCII code point as UTF-8 at `pos`; returns the position after it. A lone
 * surrogate becomes U+FFFD, as Buffer.from does.
 */
function writeCodePoint(buf: Buffer, pos: number, code: number): number {
  if (code < 0x800) {
    buf[pos] = 0xc0 | (code >> 6);
    buf[pos + 1] = 0x80 | (code & 0x3f);
    return pos + 2;
  }
  if (code >= 0xd800 && code <= 0xdfff) return writeCodePoint(buf, pos, 0xfffd);
  if (code < 0x10000) {
    buf[pos] = 0xe0 | (code >> 12);
    buf[pos + 1] = 0x80 | ((code >> 6) & 0x3f);
    buf[pos + 2] = 0x80 | (code & 0x3f);
    return pos + 3;
  }
  buf[pos] = 0xf0 | (code >> 18);
  buf[pos + 1] = 0x80 | ((code >> 12) & 0x3f);
  buf[pos + 2] = 0x80 | ((code >> 6) & 0x3f);
  buf[pos + 3] = 0x80 | (code & 0x3f);
  return pos + 4;
}

/**
 * The body of a write, in parts to send one after the other: the lines separated by newlines.
 * Lines that follow each other in one slab, a newline between them, are one view on it, so a
 * batch of lines encoded in a row is one part, or two when it spans two slabs. Sent as parts,
 * it is never copied into one buffer (which, for the half of all batches that span two slabs,
 * was a 1 MB copy and 1 MB of garbage each).
 */
export function lineBodyParts(lines: readonly LineItem[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  /** The whole memory of the current run's first line, and the run's bounds in it. */
  let memory: Uint8Array | undefined;
  let runStart = 0;
  let runEnd = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = asBytes(lines[i]!);
    if (line.length === 0) continue;
    if (
      memory !== undefined &&
      line.buffer === memory.buffer &&
      line.byteOffset === runEnd + 1 &&
      memory[runEnd] === NEWLINE
    ) {
      runEnd = line.byteOffset + line.length;
      continue;
    }
    if (memory !== undefined) parts.push(memory.subarray(runStart, runEnd), SEPARATOR);
    memory = new Uint8Array(line.buffer);
    runStart = line.byteOffset;
    runEnd = line.byteOffset + line.length;
  }
  if (memory !== undefined) parts.push(memory.subarray(runStart, runEnd));
  return parts;
}

/** The body as one buffer (for gzip, and tests): `lineBodyParts` joined. */
export function lineBody(lines: readonly LineItem[]): Buffer {
  const parts = lineBodyParts(lines);
  if (parts.length === 1) return Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.length);
  return Buffer.concat(parts);
}

const SEPARATOR = Buffer.from('\n');

export function asBytes(line: LineItem): Uint8Array {
  return typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
}

export function asText(line: LineItem): string {
  return typeof line === 'string'
    ? line
    : Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8');
}

/** Bytes a line holds (the memory budget of the delivery queue counts these). */
export function lineBytes(line: LineItem): number {
  return line.length;
}

/**
 * How lines are stored in the disk spool: the bytes as they are. Lines read back are copied
 * into `slab` (the spool's payload is only valid until it reads on). Spools written before
 * lines were bytes hold each line as a JSON string (`"log_event,..."`); a line of line
 * protocol never starts with a double quote and ends with one, so those are still read back.
 */
export function lineSpoolCodec(slab: LineSlab): SpoolCodec<LineItem> {
  return {
    encode: (line: LineItem): Uint8Array | string => line,
    decode(payload: Buffer): Uint8Array {
      const last = payload.length - 1;
      if (last > 0 && payload[0] === QUOTE && payload[last] === QUOTE) {
        try {
          const text: unknown = JSON.parse(payload.toString('utf8'));
          if (typeof text === 'string') return slab.put(text);
        } catch {
          // Not JSON after all: the bytes are the line.
        }
      }
      return slab.copy(payload);
    },
  };
}
