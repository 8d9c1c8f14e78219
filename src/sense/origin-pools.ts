/**
 * A dispatcher with one undici Pool per origin that stays for the life of the client.
 *
 * undici's Agent drops an origin's pool whenever its last connection closes, so with
 * servers that close idle connections between polls every poll rebuilt the pool, its
 * client and their queues. The monitored servers are a fixed, known set, so their pools
 * are simply kept (bounded, oldest dropped first, for stray redirect targets).
 */
import { Dispatcher, Pool } from 'undici';

const MAX_ORIGINS = 2048;

export class OriginPools extends Dispatcher {
  readonly #options: Pool.Options;
  readonly #pools = new Map<string, Pool>();

  constructor(options: Pool.Options) {
    super();
    this.#options = options;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin);
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, this.#options);
      this.#pools.set(origin, pool);
      if (this.#pools.size > MAX_ORIGINS) {
        const [oldest, oldPool] = this.#pools.entries().next().value as [string, Pool];
        this.#pools.delete(oldest);
        void oldPool.close().catch(() => {});
      }
    }
    return pool.dispatch(options, handler);
  }

  override close(callback?: () => void): Promise<void> {
    const done = Promise.all([...this.#pools.values()].map((p) => p.close().catch(() => {}))).then(() => {});
    this.#pools.clear();
    if (callback) void done.then(callback);
    return done;
  }

  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const done = Promise.all([...this.#pools.values()].map((p) => p.destroy(err).catch(() => {}))).then(
      () => {},
    );
    this.#pools.clear();
    if (cb) void done.then(cb);
    return done;
  }
}
