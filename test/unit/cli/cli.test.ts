/** The command line, run as a child process exactly as an administrator would run it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hashSync } from 'bcryptjs';
import { corpusSkip } from '../../support/compat-corpus.ts';
import {
  FIXTURE_V14,
  FIXTURE_V15,
  lineContaining,
  REPO,
  replaceOnce,
  tempDir,
  UPSTREAM_TEMPLATE_V14,
  UPSTREAM_TEMPLATE_V15,
  validFullText,
  writeCertFiles,
} from '../config/support.ts';

const MAIN = join(REPO, 'src/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env = { ...process.env, ...options.env };
  if (!options.env?.NODE_ENV) delete env.NODE_ENV;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      // Only a guard against a hung child: on a loaded machine 16 children at once take a while.
      { cwd: options.cwd ?? REPO, env, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('butler-sos command line', { concurrency: true }, () => {
  const dir = tempDir();
  after(() => dir.remove());
  const certDir = join(dir.path, 'certs');
  mkdirSync(certDir);
  writeCertFiles(certDir);
  const write = (name: string, text: string) => {
    const file = join(dir.path, name);
    writeFileSync(file, text);
    return file;
  };

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await cli([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout.trim(), pkg.version);
    }
  });

  test('--help and no config file print the help, exit 0', async () => {
    for (const args of [['--help'], []]) {
      const run = await cli(args);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Usage: butler-sos/);
      assert.match(run.stdout, /--configfile/);
      assert.match(run.stdout, /verify-config/);
    }
  });

  /**
   * A site folder for a fixture: its relative paths (certificates, httpSecurity.webConfigFile)
   * resolve against the working directory, as an administrator's would.
   */
  const site = (name: string, webConfig: string) => {
    const cwd = join(dir.path, name);
    mkdirSync(join(cwd, 'config'), { recursive: true });
    writeFileSync(join(cwd, 'config', 'web-config.yml'), webConfig);
    return cwd;
  };
  // The v15 site protects its endpoints with basic auth (bcrypt cost 4 keeps the test fast).
  const v15WebConfig = `basic_auth_users:\n  sos-admin: ${hashSync('a-long-password', 4)}\n`;

  test('verify-config accepts the v14 and v15 fixtures unchanged; v14 gets the /metrics exposure warning', async () => {
    const v15 = await cli(['verify-config', '-c', FIXTURE_V15], { cwd: site('v15-plain', v15WebConfig) });
    assert.equal(v15.code, 0, v15.stderr);
    assert.equal(v15.stdout, 'OK\n');
    assert.equal(v15.stderr, '');
    // An existing v14 config keeps /metrics on 10.40.2.15 without auth: allowed, as upstream, with a warning.
    const v14 = await cli(['verify-config', '-c', FIXTURE_V14], {
      cwd: site('v14-plain', '# TLS and users not configured yet\n'),
    });
    assert.equal(v14.code, 0, v14.stderr);
    assert.equal(v14.stdout, 'OK\n');
    const warnings = v14.stderr.split('\n').filter((line) => line !== '');
    assert.equal(warnings.length, 1, v14.stderr);
    assert.match(
      warnings[0]!,
      new RegExp(
        `^VERIFY CONFIG FILE WARNING: Butler-SOS\\.prometheus\\.host \\(line ${lineContaining(readFileSync(FIXTURE_V14, 'utf8'), 'host: 10.40.2.15')}\\).*/metrics on "10\\.40\\.2\\.15" is reachable beyond this machine without authentication`,
      ),
    );
  });

  test('verify-config --strict accepts the v15 fixture once its certificate files exist', async () => {
    // Its certificate paths are relative: they resolve against the working directory.
    const cwd = site('v15-site', v15WebConfig);
    const certs = join(cwd, 'config', 'certificate');
    mkdirSync(certs, { recursive: true });
    for (const name of ['skarholt-client.pem', 'skarholt-client-key.pem', 'skarholt-root.pem']) {
      writeFileSync(
        join(certs, name),
        `-----BEGIN CERTIFICATE-----\nstand-in for ${name}\n-----END CERTIFICATE-----\n`,
      );
    }
    const run = await cli(['verify-config', '--strict', '-c', FIXTURE_V15], { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'OK\n');
    assert.equal(run.stderr, '');
  });

  test('verify-config accepts both upstream templates unchanged', { skip: corpusSkip }, async () => {
    for (const file of [UPSTREAM_TEMPLATE_V14, UPSTREAM_TEMPLATE_V15]) {
      const run = await cli(['verify-config', '-c', file]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'OK\n');
    }
  });

  test('verify-config prints every error with path and line, exit 1', async () => {
    let text = replaceOnce(validFullText(certDir), 'port: 8086', 'port: abc');
    text = replaceOnce(text, 'logLevel: info', 'logLevel: loud');
    const run = await cli(['verify-config', '-c', write('broken.yaml', text)]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      new RegExp(
        `VERIFY CONFIG FILE ERROR: Butler-SOS.influxdbConfig.port \\(line ${lineContaining(text, 'port: abc')}\\) : expected a number, found "abc"`,
      ),
    );
    assert.match(
      run.stderr,
      new RegExp(`Butler-SOS.logLevel \\(line ${lineContaining(text, 'logLevel: loud')}\\)`),
    );
  });

  /** The v14 fixture with template placeholders left in two values that are in use. */
  const withPlaceholders = () =>
    replaceOnce(
      replaceOnce(
        readFileSync(FIXTURE_V14, 'utf8'),
        'hostIP: qlik-central.fjordvik.example',
        'hostIP: <host name or IP>',
      ),
      '- host: qlik-central.fjordvik.example:4747',
      '- host: <central node host name>:4747',
    );

  test('verify-config --strict reports placeholders', async () => {
    const run = await cli(['verify-config', '--strict', '-c', write('strict.yaml', withPlaceholders())]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /Butler-SOS\.appNames\.hostIP \(line \d+\) : still holds the template placeholder "<host name or IP>"/,
    );
  });

  test('the run command refuses placeholders, naming key and line', async () => {
    const text = withPlaceholders();
    const run = await cli(['-c', write('placeholders.yaml', text)]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `Butler-SOS\\.appNames\\.hostIP \\(line ${lineContaining(text, 'hostIP: <host name or IP>')}\\)`,
      ),
    );
    assert.match(run.stderr, /Butler-SOS\.serversToMonitor\.servers\[0\]\.host \(line \d+\)/);
    assert.match(run.stderr, /template placeholders/);
    assert.doesNotMatch(run.stdout + run.stderr, /agent not wired|Using config file/);
  });

  test('the run command refuses telemetry without system information, naming both keys', async () => {
    let text = replaceOnce(validFullText(certDir), 'anonTelemetry: false', 'anonTelemetry: true');
    text = replaceOnce(text, '  systemInfo:\n    enable: true', '  systemInfo:\n    enable: false');
    const run = await cli(['--configfile', write('telemetry.yaml', text)]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^VERIFY CONFIG FILE ERROR: Butler-SOS\.anonTelemetry/m);
    assert.match(run.stderr, /Butler-SOS\.systemInfo\.enable/);
    assert.match(run.stderr, /MAIN: Application specific config verification failed/);
  });

  test('the run command names a missing certificate file and its key', async () => {
    const text = validFullText(join(dir.path, 'no-such-dir'));
    const run = await cli(['-c', write('nocert.yaml', text)]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `Butler-SOS\\.cert\\.clientCert \\(line ${lineContaining(text, 'clientCert:')}\\) : certificate file ${join(dir.path, 'no-such-dir', 'client.pem')} does not exist`,
      ),
    );
  });

  test('file name and existence checks (upstream messages)', async () => {
    const yml = await cli(['-c', write('config.yml', validFullText(certDir))]);
    assert.equal(yml.code, 1);
    assert.match(yml.stderr, /Error: Config file extension must be yaml/);
    const missing = await cli(['-c', join(dir.path, 'missing.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error: Specified config file does not exist/);
  });

  test('YAML syntax errors give the line', async () => {
    const run = await cli(['-c', write('syntax.yaml', 'Butler-SOS:\n  logLevel: info\n  port: [1\n')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /VERIFY CONFIG FILE: <file> \(line \d\) : Error parsing YAML file/);
    assert.match(run.stderr, /MAIN: Config file verification failed\. Exiting\./);
  });

  test('New Relic options must come in equal numbers', async () => {
    const file = write('nr.yaml', validFullText(certDir));
    const run = await cli([
      '-c',
      file,
      '--new-relic-account-name',
      'a',
      'b',
      '--new-relic-api-key',
      'k1',
      '--new-relic-account-id',
      '1',
      '2',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Number of New Relic account names\/IDs\/API keys must match/);
    assert.doesNotMatch(run.stdout + run.stderr, /k1/);
  });

  test('--loglevel only takes the six upstream levels', async () => {
    const run = await cli(['-c', FIXTURE_V14, '-l', 'DEBUG']);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /argument 'DEBUG' is invalid\. Allowed choices are error, warn, info, verbose, debug, silly/,
    );
  });

  test('unknown options are refused', async () => {
    const run = await cli(['--foo']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown option '--foo'/);
  });

  test('without -c, config/$NODE_ENV.yaml is used', async () => {
    mkdirSync(join(dir.path, 'config'), { recursive: true });
    writeFileSync(join(dir.path, 'config', 'staging.yaml'), 'Butler-SOS:\n  logLevel: LOUD\n');
    const run = await cli([], { cwd: dir.path, env: { NODE_ENV: 'staging' } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`using ${join(dir.path, 'config', 'staging.yaml')}`));
    assert.match(run.stderr, /Butler-SOS\.logLevel \(line 2\)/);
  });
});
