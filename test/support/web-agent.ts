/**
 * The agent as a process with its web UI on a free loopback port, engine log events on a free
 * UDP port and its spool in its own folder (e2eConfig), for the tests that attack the web UI
 * and the other listeners from outside: each says only what it adds to that config.
 */
import { join } from 'node:path';
import {
  type AgentProcess,
  type E2eConfigOptions,
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  removeAgentDir,
  spawnAgent,
} from './agent-process.ts';
import { freePort, waitFor } from './services.ts';

export interface WebAgentOptions {
  /** Merged last inside `Butler-SOS`; given the agent's folder for paths that belong in it. */
  extra?: (dir: string) => Record<string, unknown>;
  /** The agent's folder when the test needs it before the start (certificates); default a new one. */
  dir?: string;
  influx?: E2eConfigOptions['influx'];
  /** Line that means "ready" (default: the UDP listener's). */
  readyPattern?: RegExp;
}

export interface WebAgent {
  agent: AgentProcess;
  dir: string;
  /** The web UI, `http://127.0.0.1:<port>`. */
  base: string;
  webPort: number;
  /** The log-event UDP listener's port. */
  udpPort: number;
  /** Kills the agent (if still running) and removes its folder. */
  remove(): Promise<void>;
}

export async function spawnWebAgent(options: WebAgentOptions = {}): Promise<WebAgent> {
  const dir = options.dir ?? makeAgentDir();
  const udpPort = await freeUdpPort();
  const webPort = await freePort();
  const agent = await spawnAgent({
    dir,
    webUiPort: webPort,
    ...(options.readyPattern ? { readyPattern: options.readyPattern } : {}),
    config: e2eConfig({
      logEventPort: udpPort,
      spoolDirectory: join(dir, 'spool'),
      webUiPort: webPort,
      ...(options.influx ? { influx: options.influx } : {}),
      extra: options.extra?.(dir) ?? {},
    }),
  }).catch((error: unknown) => {
    // A failed start leaves no process (spawnAgent kills it); nothing else would remove the folder.
    removeAgentDir(dir);
    throw error;
  });
  return {
    agent,
    dir,
    base: `http://127.0.0.1:${webPort}`,
    webPort,
    udpPort,
    async remove() {
      await agent.stop('SIGKILL');
      removeAgentDir(dir);
    },
  };
}

/** Resolves once the local store (`GET /api/store`) holds at least `rows` rows. */
export async function waitForStoreRows(base: string, rows: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const stats = (await (await fetch(`${base}/api/store`)).json()) as { rows: number };
      return stats.rows >= rows;
    },
    timeoutMs,
    200,
  );
}
