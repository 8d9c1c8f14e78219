/**
 * The lifecycle every source and destination shares, and the one implementation of it.
 *
 * The contract (as collectors such as the OpenTelemetry Collector define it):
 * - creating a component opens nothing that `stop` would not close;
 * - `start` opens what the component needs (sockets, files, timers, connections) and rejects
 *   when it cannot; whatever it opened before failing is closed again;
 * - `stop(deadlineMs)` ends intake, hands on or spools what the component holds, and closes
 *   everything within the deadline; it is safe before `start` and safe to call twice (the
 *   second call waits for the first);
 * - a component is started at most once: start after stop, or twice, is a programming error.
 */

export type ComponentState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface ComponentStatus {
  /** The component's name in logs and status, e.g. `InfluxDB v1 at http://db:8086 db=SenseOps`. */
  name: string;
  state: ComponentState;
  /** Why `start` failed, when it did. */
  startError?: string;
}

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(deadlineMs: number): Promise<void>;
  status(): ComponentStatus;
}

/** What a component does on start and stop; `lifecycle` adds the contract's rules around them. */
export interface LifecycleHooks {
  start(): Promise<void> | void;
  /** Called once, whether or not `start` ran or succeeded; must cope with a partial start. */
  stop(deadlineMs: number): Promise<void> | void;
}

export type Lifecycle = Component;

/**
 * Wraps a component's start and stop in the contract's rules, so each component only says
 * what it opens and closes.
 */
export function lifecycle(name: string, hooks: LifecycleHooks): Lifecycle {
  let state: ComponentState = 'created';
  let startError: string | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  async function runStart(): Promise<void> {
    state = 'starting';
    try {
      await hooks.start();
      state = 'running';
    } catch (error) {
      state = 'failed';
      startError = error instanceof Error ? error.message : String(error);
      await stopOnce(0).catch(() => undefined);
      state = 'failed';
      throw error;
    }
  }

  function stopOnce(deadlineMs: number): Promise<void> {
    stopping ??= (async () => {
      if (state !== 'failed') state = 'stopping';
      try {
        await hooks.stop(deadlineMs);
      } finally {
        if (state !== 'failed') state = 'stopped';
      }
    })();
    return stopping;
  }

  return {
    name,
    start() {
      if (state !== 'created') {
        return Promise.reject(new Error(`${name}: start called while ${state}; a component starts once`));
      }
      starting = runStart();
      return starting;
    },
    async stop(deadlineMs) {
      // A stop during start waits for it, so what start opens is closed too.
      await starting?.catch(() => undefined);
      await stopOnce(deadlineMs);
    },
    status() {
      return { name, state, ...(startError === undefined ? {} : { startError }) };
    },
  };
}
