/**
 * The set-up the agent tests share: the simulated Sense cluster they poll (three servers,
 * two virtual proxies, OS-chosen ports, certificates in a temp folder) and the cleanup of
 * the database a test wrote to in the shared InfluxDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSimulator, startSimulator } from '../../../sim/index.ts';
import { queryInflux } from '../../support/services.ts';

export const VIRTUAL_PROXIES = ['/', '/hdr'];

export interface SimulatedCluster {
  sim: RunningSimulator;
  /** Stops the simulator and removes its certificates. */
  stop(): Promise<void>;
}

/** Starts the cluster; `seed` makes its servers, apps and users reproducible. */
export async function startSimulatedCluster(seed: number): Promise<SimulatedCluster> {
  const certDir = mkdtempSync(join(tmpdir(), 'agent-sim-'));
  const removeCerts = () => rmSync(certDir, { recursive: true, force: true });
  let sim: RunningSimulator;
  try {
    sim = await startSimulator({
      certDir,
      servers: 3,
      virtualProxies: VIRTUAL_PROXIES,
      enginePort: 0,
      proxyPort: 0,
      qrsPort: 0,
      seed,
    });
  } catch (error) {
    removeCerts();
    throw error;
  }
  return {
    sim,
    stop: async () => {
      await sim.stop();
      removeCerts();
    },
  };
}

/** Drops a test's database from the shared InfluxDB; never fails (cleanup is best effort). */
export async function dropInfluxDatabase(influxdbUrl: string, db: string): Promise<void> {
  await queryInflux(influxdbUrl, '', `DROP DATABASE "${db}"`).catch(() => {});
}
