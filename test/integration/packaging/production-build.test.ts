/**
 * The production build (scripts/build.ts → dist/app, what bin/butler-sos.js runs) and the
 * launcher's two processes (src/cli/launch.ts): the config is checked in a short-lived child
 * that hands it over, and the agent process never loads the YAML parser, the schema library,
 * the command-line parser or undici, which the product no longer uses (idle RSS; figures
 * from bench/udp-e2e.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../../scripts/build.ts';
import { engineLogDatagram } from '../../../sim/datagrams.ts';
import {
  e2eConfig,
  freeUdpPort,
  makeAgentDir,
  nodeBinary,
  removeAgentDir,
  spawnAgent,
} from '../../support/agent-process.ts';
import { queryInflux, sharedServices, uniqueName, waitFor } from '../../support/services.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TRACE_HOOK = join(REPO, 'test', 'support', 'module-trace.ts');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(nodeBinary(), args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('production build', () => {
  let out: string;
  let entry: string;
  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'butler-sos-build-'));
    entry = await buildApp(join(out, 'app'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('prints the version from package.json', async () => {
    const { code, stdout } = await run([entry, '-V']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), VERSION);
  });

  it('refuses a bad config with key path and line, exit code 1', async () => {
    const dir = makeAgentDir();
    try {
      const file = join(dir, 'bad.yaml');
      const { stringify } = await import('yaml');
      const config = e2eConfig({ logEventPort: 9996, spoolDirectory: join(dir, 'spool') });
      (config['Butler-SOS'] as { logLevel: string }).logLevel = 'loud';
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, stringify(config));
      const { code, stderr } = await run([entry, '-c', file]);
      assert.equal(code, 1);
      assert.match(stderr, /Butler-SOS\.logLevel \(line \d+\)/);
    } finally {
      removeAgentDir(dir);
    }
  });

  it('runs the agent: log events over UDP reach InfluxDB, SIGTERM stops it cleanly', async () => {
    const influxUrl = sharedServices().influxdbUrl;
    const dbName = uniqueName('build');
    const dir = makeAgentDir();
    const port = await freeUdpPort();
    const agent = await spawnAgent({
      dir,
      entry,
      config: e2eConfig({
        logEventPort: port,
        spoolDirectory: join(dir, 'spool'),
        influx: { port: Number(new URL(influxUrl).port), dbName },
      }),
    });
    try {
      const socket = createSocket('udp4');
      for (let i = 0; i < 20; i++) {
        const datagram = engineLogDatagram({ message: `build test event ${i}` });
        await new Promise((resolve) => socket.send(datagram, port, '127.0.0.1', resolve));
      }
      socket.close();
      const stored = await waitFor(async () => {
        const series = await queryInflux(influxUrl, dbName, 'SELECT count("message") FROM "log_event"');
        const count = Number(series[0]?.values?.[0]?.[1] ?? 0);
        return count === 20 ? count : undefined;
      }, 20_000);
      assert.equal(stored, 20);
      const exit = await agent.stop('SIGTERM');
      assert.equal(exit.code, 0);
      assert.match(agent.output(), /MAIN: Butler SOS stopped/);
    } finally {
      await agent.stop('SIGKILL');
      removeAgentDir(dir);
    }
  });
});

describe('launcher: config checked in a child process, agent kept lean', () => {
  it('the agent process loads no YAML, schema, CLI or undici module; the checking child does', async () => {
    const dir = makeAgentDir();
    const traces = join(dir, 'traces');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(traces);
    process.env.MODULE_TRACE_DIR = traces;
    const agent = await spawnAgent({
      dir,
      nodeArgs: [`--import=${TRACE_HOOK}`],
      config: e2eConfig({ logEventPort: await freeUdpPort(), spoolDirectory: join(dir, 'spool') }),
    });
    try {
      const files = readdirSync(traces);
      const agentTrace = readFileSync(join(traces, `${agent.pid}.txt`), 'utf8');
      const childFile = files.find((name) => name !== `${agent.pid}.txt`);
      assert.ok(childFile, `a second process (the config check) ran: ${files.join(', ')}`);
      const childTrace = readFileSync(join(traces, childFile), 'utf8');
      for (const pkg of ['yaml', 'zod', 'commander']) {
        assert.match(childTrace, new RegExp(`/node_modules/${pkg}/`), `the checking child loads ${pkg}`);
      }
      assert.match(agentTrace, /src\/agent\/agent\.ts/, 'the agent process runs the agent');
      for (const pkg of ['yaml', 'zod', 'commander', 'undici']) {
        assert.doesNotMatch(
          agentTrace,
          new RegExp(`/node_modules/${pkg}/`),
          `the agent process loads no ${pkg}`,
        );
      }
    } finally {
      delete process.env.MODULE_TRACE_DIR;
      await agent.stop('SIGTERM');
      removeAgentDir(dir);
    }
  });
});
