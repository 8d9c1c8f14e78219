/**
 * The Dockerfile, without a Docker engine: linted with dockerfile-utils (the validator behind
 * VS Code's Docker support; hadolint is not packaged for Debian or npm), then checked for the
 * properties we promise: multi-stage with `npm ci`, Node 24, non-root, UDP ports as UDP,
 * HEALTHCHECK on the health endpoint, tini as PID 1, config under /nodeapp/config, and every
 * file the program imports copied into the image (and not excluded by .dockerignore).
 * The HEALTHCHECK probe itself runs against the agent's real health endpoint.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { appSourceFiles } from '../../../scripts/build-sea.ts';
import { loadConfigFile } from '../../../src/config/load.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startDockerHealthCheck } from '../../../src/ops/docker-health.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const PROBE = join(ROOT, 'packaging', 'docker', 'docker-healthcheck.ts');

interface Step {
  keyword: string;
  args: string[];
  flags: Map<string, string>;
  text: string;
}

function stepOf(i: Instruction): Step {
  const withFlags = i as Instruction & {
    getFlags?: () => { getName(): string; getValue(): string | null }[];
  };
  const flags = new Map(
    (withFlags.getFlags?.() ?? []).map((f) => [f.getName(), f.getValue() ?? ''] as const),
  );
  return {
    keyword: i.getKeyword().toUpperCase(),
    args: i.getArguments().map((a) => a.getValue()),
    flags,
    text: i.getArgumentsContent() ?? '',
  };
}

/** Instructions grouped by build stage (the preamble ARGs before the first FROM are stage -1). */
function stages(): { preamble: Step[]; stages: Step[][] } {
  const steps = DockerfileParser.parse(DOCKERFILE).getInstructions().map(stepOf);
  const preamble: Step[] = [];
  const out: Step[][] = [];
  for (const step of steps) {
    if (step.keyword === 'FROM') out.push([step]);
    else if (out.length === 0) preamble.push(step);
    else out.at(-1)!.push(step);
  }
  return { preamble, stages: out };
}

/** `${NAME}` resolved from the preamble ARG defaults. */
function resolveArgs(text: string, preamble: Step[]): string {
  const defaults = new Map(
    preamble.filter((s) => s.keyword === 'ARG').map((s) => s.text.split('=') as [string, string]),
  );
  return text.replace(/\$\{?([A-Z_]+)\}?/g, (_, name: string) => defaults.get(name) ?? '');
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD. */
function execForm(text: string): string[] {
  const json = text.slice(text.indexOf('['));
  const parsed = JSON.parse(json) as unknown;
  assert.ok(Array.isArray(parsed), `exec form: ${text}`);
  return parsed.map(String);
}

test('the Dockerfile lints clean (dockerfile-utils), and the linter does catch a bad line', () => {
  const problems = validate(DOCKERFILE);
  assert.deepEqual(
    problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`),
    [],
  );
  const broken = DOCKERFILE.replace('EXPOSE 9996/udp', 'EXPOSE 9996/udq').replace(
    '--interval=12s',
    '--interval=12',
  );
  assert.ok(validate(broken).length >= 2, 'a wrong protocol and a duration without unit are reported');
});

test('multi-stage: a build stage with npm ci, the production build and pruning, a Node 24 runtime stage', () => {
  const { preamble, stages: all } = stages();
  assert.ok(all.length >= 2, 'at least two stages');
  const build = all[0]!;
  const runs = build.filter((s) => s.keyword === 'RUN').map((s) => s.text);
  const at = (pattern: RegExp) => runs.findIndex((text) => pattern.test(text));
  assert.ok(at(/\bnpm ci\b/) >= 0, 'installs from the lock file');
  assert.ok(
    at(/node scripts\/build\.ts/) > at(/\bnpm ci\b/),
    'then builds dist/app (bin/butler-sos.js runs it)',
  );
  assert.match(
    runs[at(/node scripts\/build\.ts/)]!,
    /npm prune --omit=dev/,
    'and keeps only production dependencies',
  );
  assert.ok(
    build.some((s) => s.keyword === 'COPY' && s.args.includes('scripts/build.ts')),
    'the build script is in the build context',
  );
  const runtime = all.at(-1)!;
  assert.ok(
    runtime.some((s) => s.keyword === 'COPY' && s.args[0] === '/build/dist'),
    'the runtime stage gets the build',
  );
  for (const stage of all) {
    assert.match(resolveArgs(stage[0]!.args[0]!, preamble), /^node:24[-.]/, 'Node 24 base image');
  }
  assert.ok(runtime.some((s) => s.keyword === 'COPY' && s.flags.get('from') === stage0Name(build)));
});

function stage0Name(build: Step[]): string {
  const from = build[0]!.args;
  const as = from.findIndex((a) => a.toUpperCase() === 'AS');
  return as >= 0 ? from[as + 1]! : '0';
}

test('runtime stage: non-root, ports, health check, tini, config under /nodeapp/config', () => {
  const runtime = stages().stages.at(-1)!;
  const find = (k: string) => runtime.filter((s) => s.keyword === k);

  const users = find('USER');
  assert.equal(users.length, 1);
  assert.ok(!['root', '0'].includes(users[0]!.args[0]!.split(':')[0]!), 'runs as a non-root user');
  const userAt = runtime.indexOf(users[0]!);
  assert.ok(runtime.findIndex((s) => s.keyword === 'CMD') > userAt, 'USER comes before CMD');

  const exposed = new Set(find('EXPOSE').flatMap((s) => s.args));
  assert.deepEqual(exposed, new Set(['9996/udp', '9997/udp', '9842', '12398', '3100']));

  assert.equal(find('WORKDIR').at(-1)?.args[0], '/nodeapp');

  const health = find('HEALTHCHECK');
  assert.equal(health.length, 1);
  const probe = execForm(health[0]!.text);
  assert.equal(probe[0], 'node');
  assert.equal(probe[1], '/nodeapp/packaging/docker/docker-healthcheck.ts');
  assert.ok(existsSync(PROBE));
  assert.match(health[0]!.flags.get('start-period') ?? '', /^\d+s$/);
  assert.match(health[0]!.flags.get('interval') ?? '', /^\d+s$/);

  const entrypoint = execForm(find('ENTRYPOINT').at(-1)!.text);
  assert.match(entrypoint[0]!, /tini$/, 'tini is PID 1 and forwards SIGTERM');
  assert.ok(runtime.some((s) => s.keyword === 'RUN' && /install .*\btini\b/.test(s.text)));
  const cmd = execForm(find('CMD').at(-1)!.text);
  assert.equal(cmd[0], 'node');
  assert.ok(cmd.includes('/nodeapp/bin/butler-sos.js'), 'runs the CLI entry');
  assert.ok(cmd.includes('--max-semi-space-size=4'), 'with the memory-saving V8 flag of bin/butler-sos.js');
  assert.match(cmd[cmd.indexOf('--configfile') + 1] ?? '', /^\/nodeapp\/config\/[^/]+\.yaml$/);
  assert.ok(runtime.some((s) => s.keyword === 'RUN' && /\/nodeapp\/config\/certificate/.test(s.text)));
});

test('the folders the agent writes by default are writable by the non-root user in /nodeapp', () => {
  const runtime = stages().stages.at(-1)!;
  const chowned = runtime
    .filter((s) => s.keyword === 'RUN' && /\bchown\b/.test(s.text))
    .flatMap((s) => s.text.match(/\/nodeapp\/[\w.-]+/g) ?? []);
  // The defaults of a config that leaves them out, as the compose examples do.
  const file = join(ROOT, 'docker-compose', 'influxdb-grafana', 'config', 'production.yaml');
  const settings = loadConfigFile(file).config['Butler-SOS'];
  const written = [
    settings.logDirectory,
    settings.delivery.spoolDirectory,
    dirname(settings.localStore.file),
  ];
  for (const path of written) {
    assert.ok(!isAbsolute(path), `${path} is relative to the working directory /nodeapp`);
    const top = path.split('/')[0]!;
    assert.ok(
      chowned.includes(`/nodeapp/${top}`),
      `/nodeapp/${top} is chowned to the agent's user (${chowned})`,
    );
  }
});

/** Minimal .dockerignore matching for the patterns we use: names, folders, `*.ext`, `**\/x`. */
function ignored(path: string, patterns: string[]): boolean {
  return patterns.some((raw) => {
    const pattern = raw.replace(/\/$/, '');
    const regex = new RegExp(
      `^${pattern
        .split('**/')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('(?:.*/)?')}(?:/.*)?$`,
    );
    return regex.test(path);
  });
}

test('everything the program imports is copied into the image and not excluded by .dockerignore', async () => {
  const { stages: all } = stages();
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const copiedFromContext = all
    .flat()
    .filter((s) => s.keyword === 'COPY' && !s.flags.has('from'))
    .flatMap((s) => s.args.slice(0, -1));
  for (const source of copiedFromContext) {
    assert.ok(existsSync(join(ROOT, source)), `COPY source ${source} exists`);
    assert.ok(!ignored(source, patterns), `COPY source ${source} is not excluded by .dockerignore`);
  }
  const copiedDirs = copiedFromContext.map((s) => s.replace(/\/$/, ''));
  const covered = (file: string) => copiedDirs.some((d) => file === d || file.startsWith(`${d}/`));
  const sources = await appSourceFiles();
  assert.ok(sources.length > 10);
  for (const file of [...sources, 'package.json', 'package-lock.json', 'bin/butler-sos.js']) {
    assert.ok(covered(file), `${file} is copied into the image`);
    assert.ok(!ignored(file, patterns), `${file} is not excluded by .dockerignore`);
  }
  assert.ok(ignored('node_modules', patterns) && ignored('config/certificate/client.pem', patterns));
});

function runProbe(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PROBE],
      { env: { ...process.env, ...env }, timeout: 10_000 },
      (error, stdout) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: stdout });
      },
    );
  });
}

test('the HEALTHCHECK probe: exit 0 when the agent is healthy, 1 when unhealthy or not listening', async () => {
  let healthy = true;
  const server = await startDockerHealthCheck({
    host: '127.0.0.1',
    port: 0,
    check: () => ({ healthy, reasons: healthy ? [] : ['all destinations failing: influxdb'] }),
    log: createRecordingLogger(),
  });
  const env = { BUTLER_SOS_HEALTH_HOST: '127.0.0.1', BUTLER_SOS_HEALTH_PORT: String(server.port) };
  try {
    const ok = await runProbe(env);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^STATUS Docker health: 200 .*"status":"ok"/);

    healthy = false;
    const sick = await runProbe(env);
    assert.equal(sick.code, 1);
    assert.match(sick.out, /^ERROR Docker health: HTTP 503 .*all destinations failing/);
  } finally {
    await server.close();
  }
  const gone = await runProbe(env);
  assert.equal(gone.code, 1);
  assert.match(gone.out, /^ERROR Docker health: .*ECONNREFUSED/);

  const badPort = await runProbe({ BUTLER_SOS_HEALTH_HOST: '127.0.0.1', BUTLER_SOS_HEALTH_PORT: 'abc' });
  assert.match(badPort.out, /not a port number; using 12398/);
});

test("upstream's container command `node src/butler-sos.js` reaches our CLI", async () => {
  const { mkdtemp, rm, mkdir, copyFile, symlink } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  // The image layout: /nodeapp/{package.json,bin,src/...} plus the compat entry at src/butler-sos.js.
  const dir = await mkdtemp(join(tmpdir(), 'butler-sos-image-'));
  try {
    await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await symlink(join(ROOT, 'bin'), join(dir, 'bin'));
    await mkdir(join(dir, 'src'));
    await copyFile(join(ROOT, 'packaging', 'docker', 'upstream-entry.js'), join(dir, 'src', 'butler-sos.js'));
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(dir, 'src', 'butler-sos.js'), '--version'],
        { timeout: 10_000 },
        (e, stdout) => (e ? reject(e) : resolve(stdout)),
      );
    });
    assert.equal(out.trim(), version);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const copy = stages()
    .stages.flat()
    .find((s) => s.keyword === 'COPY' && s.args[0] === 'packaging/docker/upstream-entry.js');
  assert.equal(copy?.args[1], './src/butler-sos.js', 'the image installs it as src/butler-sos.js');
});
