/**
 * Benchmark: how many events per second the simulator's UDP emitter sends from one process,
 * and whether a receiver (in the same process, so a pessimistic figure) gets them all.
 *   node sim/bench/emitter-rate.ts [rate=50000] [seconds=5]
 * Prints figures only; belongs with the project's benchmarks (bench/).
 */
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../index.ts';

const rate = Number(process.argv[2] ?? 50_000);
const seconds = Number(process.argv[3] ?? 5);

const receiver = createSocket('udp4');
let received = 0;
receiver.on('message', () => {
  received += 1;
});
await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
receiver.setRecvBufferSize(4 * 1024 * 1024);
const target = { host: '127.0.0.1', port: receiver.address().port };

const dir = await mkdtemp(join(tmpdir(), 'sim-bench-'));
const sim = await startSimulator({
  certDir: dir,
  servers: 3,
  enginePort: 0,
  proxyPort: 0,
  qrsPort: 0,
  udpLog: target,
  udpUser: target,
  rate,
  badFraction: 0.01,
});
const start = performance.now();
const cpuStart = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
const stats = sim.emitter.stats();
await sim.stop();
await new Promise((resolve) => setTimeout(resolve, 200));
receiver.close();
await rm(dir, { recursive: true, force: true });

const sent = stats.total ?? 0;
console.log(
  [
    `target ${rate}/s for ${elapsed.toFixed(2)} s`,
    `sent ${sent} (${(sent / elapsed).toFixed(0)}/s)`,
    `received ${received} (${((received / Math.max(sent, 1)) * 100).toFixed(1)} %)`,
    `send errors ${stats.sendErrors ?? 0}`,
    `pacing skipped ${stats.pacingSkipped ?? 0}`,
    `CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(0)} % of one core`,
    `${((stats.bytes ?? 0) / Math.max(sent, 1)).toFixed(0)} B/datagram`,
  ].join(', '),
);
