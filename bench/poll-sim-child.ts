/**
 * Runs the Sense simulator in its own process for bench/poll-cost.ts, so the simulator's
 * CPU is not counted against the poller. Reports its endpoints over IPC, stops on 'stop'.
 */
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

const servers = Number(process.argv[2] ?? '10');
const certDir = process.argv[3] ?? '';
// Optional: how long the simulated servers keep idle connections open. Node's default
// (5 s) closes them between 10 s polls; servers with longer idle timeouts (HTTP.sys
// defaults to 120 s) keep them. Set before the simulator creates its servers.
const keepAliveMs = Number(process.argv[4] ?? '0');
if (keepAliveMs > 0) {
  const original = https.createServer;
  https.createServer = ((...args: Parameters<typeof https.createServer>) => {
    const server = original(...args);
    server.keepAliveTimeout = keepAliveMs;
    return server;
  }) as typeof https.createServer;
  syncBuiltinESMExports();
}
const { startSimulator } = await import('../sim/index.ts');
const sim = await startSimulator({
  certDir,
  servers,
  virtualProxies: ['/', '/hdr'],
  enginePort: 0,
  proxyPort: 0,
  qrsPort: 0,
  seed: 1,
});
process.send?.({
  servers: sim.servers.map((s) => ({
    serverName: s.serverName,
    engineHost: s.engineHost,
    proxyHost: s.proxyHost,
    virtualProxies: s.virtualProxies,
  })),
  qrsHost: sim.qrsHost,
  certFiles: sim.certFiles,
});
process.on('message', async (message) => {
  if (message === 'stop') {
    await sim.stop();
    process.exit(0);
  }
});
process.on('disconnect', async () => {
  await sim.stop();
  process.exit(0);
});
