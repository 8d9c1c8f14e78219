/**
 * Sense sessions kept for screenshot downloads in the ticket modes: a session cookie obtained
 * with a fresh ticket is reused instead of a new ticket per download. Least recently used
 * out at `maxEntries`; each entry lives `ttlSeconds` from when it was stored (reading does not
 * extend it). Whenever an entry leaves (expiry, eviction, replacement, a 401/403), `onRemove`
 * is told so that its proxy session can be ended.
 */
import type { SessionCookie } from './fetch-image.ts';

interface Entry {
  cookie: SessionCookie;
  expiresAt: number;
}

export class SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #onRemove: (cookie: SessionCookie) => void;
  readonly #now: () => number;

  constructor(options: {
    ttlSeconds: number;
    maxEntries: number;
    onRemove: (cookie: SessionCookie) => void;
    now?: () => number;
  }) {
    // Whole milliseconds, capped where a timer could still hold it.
    this.#ttlMs = Math.min(Math.round(options.ttlSeconds * 1000), 2_147_483_000);
    this.#max = options.maxEntries;
    this.#onRemove = options.onRemove;
    this.#now = options.now ?? Date.now;
  }

  static key(parts: {
    mode: string;
    host: string;
    port: number;
    virtualProxy: string;
    userDirectory: string;
    userId: string;
  }): string {
    return JSON.stringify([
      parts.mode,
      parts.host.toLowerCase(),
      parts.port,
      parts.virtualProxy,
      parts.userDirectory,
      parts.userId,
    ]);
  }

  get(key: string): SessionCookie | undefined {
    this.purge();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.cookie;
  }

  set(key: string, cookie: SessionCookie): void {
    this.evict(key);
    this.#entries.set(key, { cookie, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#max) this.evict(this.#entries.keys().next().value as string);
  }

  evict(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#onRemove(entry.cookie);
  }

  purge(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.evict(key);
  }

  clear(): void {
    for (const key of [...this.#entries.keys()]) this.evict(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
