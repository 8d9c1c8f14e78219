/**
 * The single executable binary (scripts/build-sea.ts): builds it into a temporary folder (or
 * uses the one named by BUTLER_SOS_SEA_BINARY, e.g. from an earlier step of the same run) and
 * runs it from a folder with no package.json or source tree, so everything it needs must be
 * inside the binary.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSea, bundleApp } from '../../../scripts/build-sea.ts';
import { freePort, waitFor } from '../../support/services.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const VALID_CONFIG = join(ROOT, 'test', 'fixtures', 'config', 'valid-full.yaml');

let dir: string;
let binary: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(binary, args, { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'butler-sos-sea-'));
  const prebuilt = process.env.BUTLER_SOS_SEA_BINARY;
  if (prebuilt) {
    binary = prebuilt;
    return;
  }
  const lines: string[] = [];
  const result = await buildSea({ outDir: join(dir, 'dist'), log: (line) => lines.push(line) });
  binary = result.binary;
  process.stderr.write(`# sea build: ${lines.join(' | ')}\n`);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('--version prints the version from package.json, embedded in the binary', async () => {
  const r = await run(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), VERSION);
});

test('verify-config accepts a valid config file: OK, exit 0', async () => {
  const r = await run(['verify-config', '-c', VALID_CONFIG]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^OK$/m);
});

test('verify-config rejects a broken config: exit 1, the key path and line in the output', async () => {
  const broken = join(dir, 'broken.yaml');
  const text = readFileSync(VALID_CONFIG, 'utf8').replace(/^(\s*)logLevel:.*$/m, '$1logLevel: loud');
  assert.notEqual(text, readFileSync(VALID_CONFIG, 'utf8'), 'the fixture has a logLevel line to break');
  await writeFile(broken, text);
  const line = text.split('\n').findIndex((l) => l.includes('logLevel: loud')) + 1;
  const r = await run(['verify-config', '-c', broken]);
  assert.equal(r.code, 1);
  const output = r.stdout + r.stderr;
  assert.match(output, /Butler-SOS\.logLevel/);
  assert.ok(output.includes(`line ${line}`), output);
});

test('verify-config on a YAML syntax error exits 1 instead of crashing', async () => {
  const broken = join(dir, 'syntax.yaml');
  await writeFile(broken, 'Butler-SOS:\n  logLevel: [info\n');
  const r = await run(['verify-config', '-c', broken]);
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /VERIFY CONFIG FILE/);
  assert.doesNotMatch(r.stderr, /failed to start/);
});

test('the bundled simulator command is in the binary too', async () => {
  const r = await run(['sim', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--cert-dir/);
  assert.match(r.stdout, /--udp-log/);
});

test('an unknown option is a usage error (exit 1), not a crash of the loader', async () => {
  const r = await run(['--no-such-option']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown option '--no-such-option'/);
  assert.doesNotMatch(r.stderr, /failed to start|data:text/);
});

test('the bundle has no import.meta.url left, and packages resolved at run time are collected', async () => {
  // The CLI: createRequire(import.meta.url)('@breejs/later') must become a bundled require.
  const cliFile = join(dir, 'cli.mjs');
  await bundleApp({ entry: join(ROOT, 'src', 'cli', 'main.ts'), outfile: cliFile });
  const cli = readFileSync(cliFile, 'utf8');
  assert.doesNotMatch(cli, /import\.meta\.url/);
  assert.doesNotMatch(cli, /createRequire\d*\([^;\n]*\.href\)\(/, 'no runtime require of a package');
  assert.match(cli, /sourceURL=file:\/\/\/butler-sos-/);

  // The web UI serves uPlot's files from the package folder: it must be copied beside the binary.
  const webFile = join(dir, 'web-server.mjs');
  const web = await bundleApp({ entry: join(ROOT, 'src', 'web', 'server.ts'), outfile: webFile });
  // esbuild numbers the local name when several modules import createRequire.
  assert.match(readFileSync(webFile, 'utf8'), /createRequire\d*\([^;\n]*\.href\)\.resolve\(/);
  assert.deepEqual([...web.resolvedAtRuntime], ['uplot']);
});

test('the web UI files are copied beside the binary', () => {
  assert.ok(existsSync(join(dirname(binary), 'web')), 'web/ next to the binary');
});

/** Starts the binary with `args`; collects its output. */
function start(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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

test('the binary runs the agent against its own simulator: metrics, web UI with its assets, SIGTERM', async () => {
  const certDir = join(dir, 'certs');
  const sim = start([
    'sim',
    '--cert-dir',
    certDir,
    '--engine-port',
    '0',
    '--proxy-port',
    '0',
    '--qrs-port',
    '0',
  ]);
  let agent: ReturnType<typeof start> | undefined;
  try {
    const engine = await waitFor(
      () => /engine https:\/\/([^/\s]+)\/engine/.exec(sim.output())?.[1],
      15_000,
      50,
    );
    const [metricsPort, webPort] = [await freePort(), await freePort()];
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        'Butler-SOS:',
        '  logLevel: info',
        '  fileLogging: false',
        '  anonTelemetry: false',
        `  prometheus: { enable: true, host: 127.0.0.1, port: ${metricsPort} }`,
        `  webUi: { enable: true, host: 127.0.0.1, port: ${webPort} }`,
        `  delivery: { spoolDirectory: ${join(dir, 'spool')} }`,
        '  cert:',
        `    clientCert: ${join(certDir, 'client.pem')}`,
        `    clientCertKey: ${join(certDir, 'client_key.pem')}`,
        `    clientCertCA: ${join(certDir, 'root.pem')}`,
        '  serversToMonitor:',
        '    pollingInterval: 1000',
        '    rejectUnauthorized: false',
        '    servers:',
        `      - { host: "${engine}", serverName: sense1, serverDescription: Central node }`,
        '',
      ].join('\n'),
    );
    agent = start(['-c', config]);
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return /^butlersos_cpu_total\{[^}]*server_name="sense1"[^}]*\} \d/m.test(text) ? text : undefined;
      },
      20_000,
      100,
    );
    assert.match(metrics, /^butlersos_mem_free\{/m);
    const page = await fetch(`http://127.0.0.1:${webPort}/`);
    assert.equal(page.status, 200);
    // Served from node_modules/uplot beside the binary (copied by the build).
    const uplot = await fetch(`http://127.0.0.1:${webPort}/vendor/uplot/uPlot.esm.js`);
    assert.equal(uplot.status, 200);
    assert.ok((await uplot.text()).length > 10_000);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0, agent.output());
    assert.doesNotMatch(agent.output(), /failed to start/);
  } finally {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    sim.child.kill('SIGTERM');
    await sim.exited;
  }
});
