/**
 * A small seeded pseudo-random generator (mulberry32). Hand-written because the simulator
 * needs reproducible values for tests (`seed`) and draws millions of numbers per second in
 * the UDP emitter; it is 10 lines and has no dependency.
 */
import { randomInt } from 'node:crypto';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A lower-case RFC 4122 version 4 GUID, as Sense uses for app, session and process ids. */
  guid(): string;
  /** `length` characters from 0-9a-zA-Z (the alphabet of an xrfkey). */
  alnum(length: number): string;
}

const HEX = '0123456789abcdef';
const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function createRandom(seed?: number): Random {
  let state = (seed ?? randomInt(0, 2 ** 32)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[int(0, 15)];
    return s;
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    guid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${HEX[int(8, 11)]}${hex(3)}-${hex(12)}`,
    alnum: (length) => {
      let s = '';
      for (let i = 0; i < length; i++) s += ALNUM[int(0, ALNUM.length - 1)];
      return s;
    },
  };
}
