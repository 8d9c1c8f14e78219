/**
 * A VictoriaMetrics of a test's own (Debian's package, loopback, data in a temp folder), that
 * the test may SIGKILL and restart with its data, and start with extra flags (deduplication,
 * relabelling).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, freePort, waitFor } from './services.ts';

export interface PrivateVictoriaMetrics {
  url: string;
  dataDir: string;
  /** The process id while it runs. */
  pid(): number | undefined;
  /** Signals it (default SIGKILL) and waits until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startPrivateVictoriaMetrics(flags: string[] = []): Promise<PrivateVictoriaMetrics> {
  const dataDir = mkdtempSync(join(tmpdir(), 'butler-sos-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const binary = findBinary('victoria-metrics', ['/usr/bin/victoria-metrics']);
  let child: ChildProcess | undefined;

  const start = async () => {
    const log = openSync(join(dataDir, 'service.log'), 'a');
    child = spawn(
      binary,
      [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${join(dataDir, 'data')}`,
        '-retentionPeriod=1',
        '-search.latencyOffset=0s',
        '-loggerLevel=WARN',
        ...flags,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    live.add(child);
    child.unref();
    const running = child;
    running.once('exit', () => live.delete(running));
    await waitFor(async () => {
      if (running.exitCode !== null) throw new Error(`victoria-metrics exited; see ${dataDir}/service.log`);
      return (await fetch(`${url}/health`).catch(() => undefined))?.ok ? true : undefined;
    }, 30_000);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };

  await start();
  return {
    url,
    dataDir,
    pid: () => child?.pid,
    kill: (signal = 'SIGKILL') => kill(signal),
    restart: async () => {
      await kill('SIGTERM');
      await start();
    },
    stop: async () => {
      await kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
