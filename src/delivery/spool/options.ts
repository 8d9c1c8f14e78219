/**
 * What a disk spool is configured with: the options its caller gives, checked once and turned
 * into settings with every default filled in, and the safe folder name for a destination.
 */
import { join } from 'node:path';
import type { Logger } from '../../logging/logger.ts';
import { SEGMENT_HEADER_BYTES } from './format.ts';
import { CURSOR_FILE } from './segment-files.ts';

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
  /** Item to text or bytes (default JSON.stringify). */
  encode?: (item: T) => string | Uint8Array;
  /** Text back to item (default JSON.parse). */
  decode?: (text: string) => T;
  /**
   * Stored bytes back to item, instead of `decode` (the bytes are only valid during the call:
   * copy what you keep). For items that are bytes themselves, so they are never text on the way.
   */
  decodeBytes?: (payload: Buffer) => T;
  log: Logger;
  /** What to drop when `maxBytes` is reached (default `drop_oldest`). */
  dropPolicy?: SpoolDropPolicy;
  /** How often written data is fsynced (default 1000 ms; 0 = after every accept). */
  fsyncIntervalMs?: number;
  /** Least time between two warnings about dropped records (default 10 s). */
  warnIntervalMs?: number;
}

/** The options with every default filled in, as the parts of the spool use them. */
export interface SpoolSettings<T> {
  name: string;
  /** `<directory>/<name>`: the spool's own folder. */
  folder: string;
  cursorPath: string;
  maxBytes: number;
  segmentBytes: number;
  encode: (item: T) => string | Uint8Array;
  /** Stored bytes back to an item (valid during the call only). */
  decode: (payload: Buffer) => T;
  dropPolicy: SpoolDropPolicy;
  fsyncIntervalMs: number;
  warnIntervalMs: number;
  /** The caller's logger, labelled with the spool's name. */
  log: Logger;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Checks the options (a `TypeError` naming the bad one) and fills in the defaults. */
export function resolveOptions<T>(options: DiskSpoolOptions<T>): SpoolSettings<T> {
  const { directory, name, maxBytes } = options;
  checkPlace(directory, name);
  if (!Number.isFinite(maxBytes) || maxBytes <= SEGMENT_HEADER_BYTES) {
    throw new TypeError(
      `disk spool: maxBytes must be a number above ${SEGMENT_HEADER_BYTES}, got ${maxBytes}`,
    );
  }
  const dropPolicy: SpoolDropPolicy = options.dropPolicy ?? 'drop_oldest';
  if (dropPolicy !== 'drop_oldest' && dropPolicy !== 'drop_newest') {
    throw new TypeError(
      `disk spool: dropPolicy must be drop_oldest or drop_newest, got ${String(dropPolicy)}`,
    );
  }
  const folder = join(directory, name);
  return {
    name,
    folder,
    cursorPath: join(folder, CURSOR_FILE),
    maxBytes,
    segmentBytes: Math.max(SEGMENT_HEADER_BYTES + 1, options.segmentBytes ?? defaultSegmentBytes(maxBytes)),
    encode: options.encode ?? ((item: T) => JSON.stringify(item)),
    decode: options.decodeBytes ?? textDecoder(options.decode ?? ((text: string) => JSON.parse(text) as T)),
    dropPolicy,
    fsyncIntervalMs: Math.max(0, options.fsyncIntervalMs ?? 1000),
    warnIntervalMs: Math.max(0, options.warnIntervalMs ?? 10_000),
    log: options.log.child({ spool: name }),
  };
}

function textDecoder<T>(decode: (text: string) => T): (payload: Buffer) => T {
  return (payload) => decode(payload.toString('utf8'));
}

function checkPlace(directory: unknown, name: unknown): void {
  if (typeof name !== 'string' || !SAFE_NAME.test(name) || name === '.' || name === '..') {
    throw new TypeError(
      `disk spool: name ${JSON.stringify(name)} is not a safe file name (letters, digits, '.', '_', '-'; at most 100)`,
    );
  }
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new TypeError('disk spool: directory must be a non-empty path');
  }
}

/** A sixteenth of the cap, so drop_oldest frees little at a time; within 64 KiB..8 MiB. */
function defaultSegmentBytes(maxBytes: number): number {
  return Math.min(8 * 1024 * 1024, Math.max(64 * 1024, Math.floor(maxBytes / 16)));
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
