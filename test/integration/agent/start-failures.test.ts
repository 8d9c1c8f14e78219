/**
 * Whole-or-nothing start, through the real command: a listener that cannot be opened (web UI,
 * Prometheus, Node.js metrics, Docker health), a destination that is misconfigured, or a
 * setting that can be found wrong before start (a heartbeat URL with another scheme than
 * http/https, a web UI beyond loopback without authentication) ends the command with a non-zero
 * exit code and a message naming the key and the port, and leaves nothing behind: no process,
 * no bound port. `verify-config` catches what can be found without starting.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  deepMerge,
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  nodeBinary,
  removeAgentDir,
} from '../../support/agent-process.ts';
import { freePort } from '../../support/services.ts';

const LAUNCH = fileURLToPath(new URL('../../../src/cli/launch.ts', import.meta.url));

interface Run {
  code: number | null;
  output: string;
  /** PIDs of processes still running whose command line names the config file, right after the exit. */
  leftover: number[];
}

/** Runs `butler-sos [args] -c FILE` with the config written to a temp folder; waits for the exit. */
async function runCli(config: Record<string, unknown>, args: string[] = []): Promise<Run> {
  const dir = makeAgentDir();
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  try {
    const child = spawn(nodeBinary(), [LAUNCH, ...args, '-c', file], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(killer);
    return { code, output, leftover: processesNaming(file) };
  } finally {
    removeAgentDir(dir);
  }
}

function processesNaming(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function holdTcp(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function canBindUdp(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

async function canBindTcp(port: number): Promise<boolean> {
  try {
    const server = await holdTcp(port);
    await new Promise((r) => server.close(r));
    return true;
  } catch {
    return false;
  }
}

/** Log events on UDP (bound before the web server starts) plus the given settings. */
async function configWith(extra: Record<string, unknown>) {
  const udpPort = await freeUdpPort();
  const base = e2eConfig({ logEventPort: udpPort, spoolDirectory: 'spool' });
  return {
    udpPort,
    config: { 'Butler-SOS': deepMerge(base['Butler-SOS'] as Record<string, unknown>, extra) },
  };
}

function assertNothingLeft(run: Run, ports: { udp?: number[]; tcp?: number[] }) {
  assert.deepEqual(run.leftover, [], 'no process of this run is left');
  return Promise.all([
    ...(ports.udp ?? []).map(async (p) => assert.ok(await canBindUdp(p), `UDP ${p} is free again`)),
    ...(ports.tcp ?? []).map(async (p) => assert.ok(await canBindTcp(p), `TCP ${p} is free again`)),
  ]);
}

describe('whole-or-nothing start through the command line', { concurrency: true }, () => {
  const held: Server[] = [];
  after(() => Promise.all(held.map((s) => new Promise((r) => s.close(r)))));

  test('web UI port taken: exit 1 naming webUi.port and the port; UDP released', async () => {
    const webPort = await freePort();
    held.push(await holdTcp(webPort));
    const { udpPort, config } = await configWith({
      webUi: { enable: true, host: '127.0.0.1', port: webPort },
    });
    const run = await runCli(config);
    assert.equal(run.code, 1, run.output);
    assert.match(
      run.output,
      new RegExp(`webUi\\.port ${webPort} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`),
    );
    await assertNothingLeft(run, { udp: [udpPort] });
  });

  test('Prometheus port taken: exit 1 naming prometheus.port and the port', async () => {
    const promPort = await freePort();
    held.push(await holdTcp(promPort));
    const { udpPort, config } = await configWith({
      prometheus: { enable: true, host: '127.0.0.1', port: promPort, nodeMetricsPort: promPort },
    });
    const run = await runCli(config);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`prometheus\\.port ${promPort} is already in use`));
    await assertNothingLeft(run, { udp: [udpPort] });
  });

  test('Node.js metrics port taken: exit 1 naming prometheus.nodeMetricsPort; /metrics released', async () => {
    const [promPort, nodePort] = [await freePort(), await freePort()];
    held.push(await holdTcp(nodePort));
    const { udpPort, config } = await configWith({
      prometheus: { enable: true, host: '127.0.0.1', port: promPort, nodeMetricsPort: nodePort },
    });
    const run = await runCli(config);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`prometheus\\.nodeMetricsPort ${nodePort} is already in use`));
    await assertNothingLeft(run, { udp: [udpPort], tcp: [promPort] });
  });

  test('Docker health port taken: exit 1 naming dockerHealthCheck.port', async () => {
    const healthPort = await freePort();
    held.push(await holdTcp(healthPort));
    const { udpPort, config } = await configWith({ dockerHealthCheck: { enable: true, port: healthPort } });
    const run = await runCli(config);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, new RegExp(`dockerHealthCheck\\.port ${healthPort} is already in use`));
    await assertNothingLeft(run, { udp: [udpPort] });
  });

  test('heartbeat.remoteURL ftp://: verify-config and the run both refuse it before anything starts', async () => {
    const { udpPort, config } = await configWith({
      heartbeat: {
        enable: true,
        remoteURL: 'ftp://monitor.example.com/ping?token=s3cr3t-t0ken',
        frequency: 'every 1 hour',
      },
    });
    const verify = await runCli(config, ['verify-config']);
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /Butler-SOS\.heartbeat\.remoteURL .*http:\/\/ or https:\/\//);
    assert.doesNotMatch(verify.output, /s3cr3t-t0ken/);
    const run = await runCli(config);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /Butler-SOS\.heartbeat\.remoteURL/);
    assert.doesNotMatch(run.output, /listening|s3cr3t-t0ken/);
    await assertNothingLeft(run, { udp: [udpPort] });
  });

  test('web UI beyond loopback without basic auth: refused by verify-config and at start', async () => {
    const webPort = await freePort();
    const { udpPort, config } = await configWith({ webUi: { enable: true, host: '0.0.0.0', port: webPort } });
    const verify = await runCli(config, ['verify-config']);
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /Butler-SOS\.webUi\.host .*beyond this machine/);
    const run = await runCli(config);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /webUi\.host/);
    await assertNothingLeft(run, { udp: [udpPort], tcp: [webPort] });
  });
});
