import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// The product's CLI main registers the command; this runs it the same way, on its own.
const RUNNER =
  "import { Command } from 'commander'; import { registerSimCommand } from './sim/cli.ts';" +
  "const p = new Command('butler-sos'); p.exitOverride(); registerSimCommand(p);" +
  "try { await p.parseAsync(process.argv.slice(1), { from: 'user' }); } catch (e) { process.exitCode = e.exitCode ?? 1; }";

function runSim(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER, '--', 'sim', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('butler-sos sim prints where it listens and a config snippet that works; SIGTERM stops it', async () => {
  const certDir = join(dir, 'certs');
  const run = runSim([
    '--cert-dir',
    certDir,
    '--servers',
    '2',
    '--engine-port',
    '0',
    '--proxy-port',
    '0',
    '--qrs-port',
    '0',
  ]);
  try {
    await until(() => run.output().includes('Press Ctrl+C'));
    const out = run.output();
    assert.match(out, /sense-node-1: engine https:\/\/127\.0\.0\.1:\d+\/engine\/healthcheck/);
    assert.match(out, /proxy {2}https:\/\/127\.0\.0\.1:\d+\/qps\/hdr\/session/);

    const yamlText = out.slice(out.indexOf('Butler-SOS:'), out.indexOf('Press Ctrl+C'));
    const config = parse(yamlText)['Butler-SOS'];
    assert.equal(config.cert.clientCert, join(certDir, 'client.pem'));
    assert.equal(config.serversToMonitor.servers.length, 2);
    assert.deepEqual(
      config.serversToMonitor.servers[1].userSessions.virtualProxies.map(
        (v: { virtualProxy: string }) => v.virtualProxy,
      ),
      ['/', '/hdr'],
    );
    assert.match(config.appNames.hostIP, /^127\.0\.0\.1:\d+$/);

    // The snippet is ready to use: poll the second node's healthcheck with exactly its values.
    const [host, port] = (config.serversToMonitor.servers[1].host as string).split(':');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host,
          port: Number(port),
          path: '/engine/healthcheck',
          agent: false,
          cert: readFileSync(config.cert.clientCert),
          key: readFileSync(config.cert.clientCertKey),
          ca: readFileSync(config.cert.clientCertCA),
          rejectUnauthorized: config.serversToMonitor.rejectUnauthorized,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.equal(await run.exited, 0);
  assert.match(run.output(), /SIGTERM received, stopping the simulator/);
});

test('a bad option is refused with a message naming it', async () => {
  const run = runSim(['--cert-dir', join(dir, 'x'), '--bad-fraction', '2']);
  assert.notEqual(await run.exited, 0);
  assert.match(run.output(), /--bad-fraction.*fraction between 0 and 1/);
  const noDir = runSim(['--engine-port', '0']);
  assert.notEqual(await noDir.exited, 0);
  assert.match(noDir.output(), /--cert-dir/);
});
