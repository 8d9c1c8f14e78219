/**
 * HTTP basic auth against bcrypt hashes (the exporter toolkit's `basic_auth_users`).
 *
 * A bcrypt check costs about 80 ms of CPU (cost 10, bcryptjs), which is the point of bcrypt and
 * also a way to make a server do work. So: a login that succeeded is remembered (by a digest of
 * user, password and hash, never the password itself) for a few minutes, so a scraper or a
 * browser pays once; at most two checks run at a time (others are told to retry); and the
 * caller charges failed logins to the client's rate limit. An unknown user costs the same as a
 * wrong password, so timing does not tell which user names exist.
 */
import { createHash } from 'node:crypto';

export type AuthResult =
  | { ok: true; user: string }
  | { ok: false; reason: 'missing' | 'invalid' | 'busy'; user?: string };

export interface BasicAuth {
  check(authorization: string | undefined): Promise<AuthResult>;
}

export interface BasicAuthOptions {
  users: Record<string, string>;
  /** How long a successful login is remembered (default 5 minutes). */
  cacheMs?: number;
  /** Most bcrypt checks at once (default 2). */
  maxConcurrent?: number;
  now?: () => number;
}

/** A valid hash of a random password, compared against for unknown users. */
const DUMMY_HASH = '$2b$10$c3ub8guMNu.xaVsmNVvqpezeXs8skn4xnBSbLv6orWxOpFklqz0Em';
const CACHE_MAX = 256;

type Compare = (password: string, hash: string) => Promise<boolean>;
let loadedCompare: Compare | undefined;

/** bcryptjs is loaded on the first check: agents without basic auth never load it. */
async function bcryptCompare(): Promise<Compare> {
  if (!loadedCompare) {
    const bcrypt = (await import('bcryptjs')).default;
    loadedCompare = (password, hash) => bcrypt.compare(password, hash);
  }
  return loadedCompare;
}

/** `Basic base64(user:password)` → its parts, or undefined. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function createBasicAuth(options: BasicAuthOptions): BasicAuth {
  const users = new Map(Object.entries(options.users));
  const cacheMs = options.cacheMs ?? 5 * 60_000;
  const maxConcurrent = options.maxConcurrent ?? 2;
  const now = options.now ?? Date.now;
  const remembered = new Map<string, number>();
  let running = 0;

  const fingerprint = (user: string, password: string, hash: string) =>
    createHash('sha256').update(`${user}\0${password}\0${hash}`).digest();
  const isRemembered = (key: Buffer): boolean => {
    const id = key.toString('base64');
    const until = remembered.get(id);
    if (until === undefined) return false;
    if (until < now()) {
      remembered.delete(id);
      return false;
    }
    return true;
  };
  const remember = (key: Buffer) => {
    if (remembered.size >= CACHE_MAX) remembered.delete(remembered.keys().next().value!);
    remembered.set(key.toString('base64'), now() + cacheMs);
  };

  return {
    async check(authorization) {
      const credentials = parseBasic(authorization);
      if (!credentials) return { ok: false, reason: 'missing' };
      const { user, password } = credentials;
      const hash = users.get(user);
      const key = fingerprint(user, password, hash ?? DUMMY_HASH);
      if (hash !== undefined && isRemembered(key)) return { ok: true, user };
      if (running >= maxConcurrent) return { ok: false, reason: 'busy', user };
      running++;
      try {
        const matches = await (await bcryptCompare())(password, hash ?? DUMMY_HASH);
        if (matches && hash !== undefined) {
          remember(key);
          return { ok: true, user };
        }
        return { ok: false, reason: 'invalid', user };
      } finally {
        running--;
      }
    },
  };
}
