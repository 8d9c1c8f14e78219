/**
 * Per-client token buckets: each client may make `perMinute` requests a minute (refilled
 * continuously, so a burst of up to `perMinute` is allowed), every answer counted, 404s and
 * refused logins included.
 *
 * A client is its address plus what it says it is (the authenticated user, or a digest of
 * its User-Agent): all local clients share 127.0.0.1, and a script polling too fast must not
 * lock the operator's browser out. A client that changes its User-Agent on every request gets
 * a new bucket each time, so the number of buckets is bounded (the least recently used go
 * first) and one address may not hold more than `bucketsPerAddress` of them.
 */
import { createHash } from 'node:crypto';

export interface RateLimiterOptions {
  perMinute: number;
  /** Most buckets kept in memory (default 10,000). */
  maxBuckets?: number;
  /** Most buckets per address (default 20); past it, that address's clients share one. */
  bucketsPerAddress?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimiter {
  /** Takes `cost` tokens from the client's bucket; false when there are not enough. */
  take(client: ClientKey, cost?: number): boolean;
  /** True when the client has at least one token left (takes none). */
  allows(client: ClientKey): boolean;
  /** Seconds until the client has a token again (for Retry-After). */
  retryAfterSeconds(client: ClientKey): number;
  readonly size: number;
}

export interface ClientKey {
  address: string;
  /** The authenticated user, or a User-Agent; anything that tells clients of one address apart. */
  identity: string;
}

const digest = (text: string) => createHash('sha1').update(text).digest('base64url').slice(0, 12);

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const capacity = options.perMinute;
  const perMs = capacity / 60_000;
  const maxBuckets = options.maxBuckets ?? 10_000;
  const perAddress = options.bucketsPerAddress ?? 20;
  const now = options.now ?? Date.now;
  // Map order is insertion order: re-inserting on use makes the first entry the least recent.
  const buckets = new Map<string, Bucket>();
  const addressCount = new Map<string, number>();

  const keyOf = (client: ClientKey): string => {
    const own = `${client.address} ${digest(client.identity)}`;
    if (buckets.has(own) || (addressCount.get(client.address) ?? 0) < perAddress) return own;
    return `${client.address} *`;
  };
  const bucketOf = (key: string, address: string, t: number): Bucket => {
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: capacity, at: t };
      addressCount.set(address, (addressCount.get(address) ?? 0) + 1);
      if (buckets.size >= maxBuckets) evictOldest();
    } else {
      buckets.delete(key);
      bucket.tokens = Math.min(capacity, bucket.tokens + (t - bucket.at) * perMs);
      bucket.at = t;
    }
    buckets.set(key, bucket);
    return bucket;
  };
  const evictOldest = () => {
    const oldest = buckets.keys().next().value;
    if (oldest === undefined) return;
    buckets.delete(oldest);
    const address = oldest.slice(0, oldest.lastIndexOf(' '));
    const left = (addressCount.get(address) ?? 1) - 1;
    if (left <= 0) addressCount.delete(address);
    else addressCount.set(address, left);
  };

  return {
    take(client, cost = 1) {
      const bucket = bucketOf(keyOf(client), client.address, now());
      if (bucket.tokens < cost) return false;
      bucket.tokens -= cost;
      return true;
    },
    allows(client) {
      return bucketOf(keyOf(client), client.address, now()).tokens >= 1;
    },
    retryAfterSeconds(client) {
      const bucket = buckets.get(keyOf(client));
      if (!bucket) return 0;
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
    get size() {
      return buckets.size;
    },
  };
}
