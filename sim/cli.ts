/**
 * `butler-sos sim`: runs the Qlik Sense simulator in the foreground, prints where each
 * simulated service listens and the config snippet that points Butler SOS at it, and stops
 * cleanly on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { UdpTarget } from './emitter.ts';
// The simulator (certificate generation, servers) loads only when `sim` runs, so that
// the agent's own start-up does not pay for it.
import type { RunningSimulator } from './index.ts';
import { configSnippet } from './snippet.ts';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

function parseTarget(value: string): UdpTarget {
  const at = value.lastIndexOf(':');
  if (at <= 0) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:9996');
  const port = Number(value.slice(at + 1));
  if (!/^\d+$/.test(value.slice(at + 1)) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('expected HOST:PORT with a port 1-65535');
  }
  return { host: value.slice(0, at), port };
}

function parseRate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected events per second ≥ 0');
  }
  return n;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a fraction between 0 and 1');
  }
  return n;
}

function parseServers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 250) throw new InvalidArgumentError('expected 1-250');
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 2 ** 32 - 1) throw new InvalidArgumentError('expected a whole number');
  return n;
}

interface SimCliOptions {
  certDir: string;
  enginePort: number;
  proxyPort: number;
  qrsPort: number;
  udpLog?: UdpTarget;
  udpUser?: UdpTarget;
  rate: number;
  badFraction: number;
  servers: number;
  seed?: number;
}

function describe(sim: RunningSimulator, opts: SimCliOptions): string {
  const lines = ['Qlik Sense simulator running.', ''];
  for (const s of sim.servers) {
    lines.push(`  ${s.serverName}: engine https://${s.engineHost}/engine/healthcheck`);
    for (const vp of s.virtualProxies) {
      lines.push(
        `  ${' '.repeat(s.serverName.length)}  proxy  https://${s.proxyHost}/qps${vp === '/' ? '' : vp}/session`,
      );
    }
  }
  lines.push(`  QRS: https://${sim.qrsHost}/qrs/app`);
  lines.push(
    `  Certificates: ${sim.certFiles.clientCert}, ${sim.certFiles.clientCertKey}, ${sim.certFiles.clientCertCA}`,
  );
  if (opts.udpLog) lines.push(`  Log events → udp://${opts.udpLog.host}:${opts.udpLog.port}`);
  if (opts.udpUser) lines.push(`  User events → udp://${opts.udpUser.host}:${opts.udpUser.port}`);
  if (opts.udpLog || opts.udpUser) {
    lines.push(`  Rate: ${opts.rate} events/s, malformed fraction ${opts.badFraction}`);
  }
  lines.push('', 'Config for Butler SOS (merge under your Butler-SOS key):', '', configSnippet(sim));
  lines.push('Press Ctrl+C to stop.');
  return lines.join('\n');
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run a simulated Qlik Sense cluster (HTTPS APIs with client certificates, UDP events)')
    .requiredOption('--cert-dir <dir>', 'folder for root.pem, client.pem, client_key.pem (created if absent)')
    .option('--engine-port <port>', 'engine healthcheck port (0 = any free port)', parsePort, 4747)
    .option('--proxy-port <port>', 'proxy session API port (0 = any free port)', parsePort, 4243)
    .option('--qrs-port <port>', 'repository (QRS) port (0 = any free port)', parsePort, 4242)
    .option('--udp-log <host:port>', 'send log events to this UDP address', parseTarget)
    .option('--udp-user <host:port>', 'send user events to this UDP address', parseTarget)
    .option('--rate <n>', 'events per second in total', parseRate, 10)
    .option('--bad-fraction <f>', 'fraction of malformed datagrams (0..1)', parseFraction, 0)
    .option('--servers <n>', 'number of simulated Sense nodes', parseServers, 1)
    .option('--seed <n>', 'seed for reproducible values', parseSeed)
    .action(async (opts: SimCliOptions) => {
      let sim: RunningSimulator;
      try {
        const { startSimulator } = await import('./index.ts');
        sim = await startSimulator({
          certDir: resolve(opts.certDir),
          servers: opts.servers,
          enginePort: opts.enginePort,
          proxyPort: opts.proxyPort,
          qrsPort: opts.qrsPort,
          ...(opts.udpLog ? { udpLog: opts.udpLog } : {}),
          ...(opts.udpUser ? { udpUser: opts.udpUser } : {}),
          rate: opts.rate,
          badFraction: opts.badFraction,
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        });
      } catch (err) {
        // e.g. a port already in use, or an unusable certificate folder: say so and exit non-zero.
        process.stderr.write(`butler-sos sim: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${describe(sim, opts)}\n`);

      // A line of emitter figures every 10 s while events are being sent.
      let last = 0;
      const report =
        opts.udpLog || opts.udpUser
          ? setInterval(() => {
              const s = sim.emitter.stats();
              const total = s.total ?? 0;
              process.stdout.write(
                `sent ${total} datagrams (${((total - last) / 10).toFixed(0)}/s): ` +
                  `log ${s.logDatagrams ?? 0}, user ${s.userDatagrams ?? 0}, ` +
                  `malformed ${(s.badLog ?? 0) + (s.badUser ?? 0)}, send errors ${s.sendErrors ?? 0}\n`,
              );
              last = total;
            }, 10_000)
          : null;

      await new Promise<void>((done) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.stdout.write(`${signal} received, stopping the simulator\n`);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      if (report) clearInterval(report);
      await sim.stop();
    });
}
