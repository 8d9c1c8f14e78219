/**
 * Builds the single executable binary (Node's single-executable applications, SEA):
 *
 *   node scripts/build-sea.ts [--out DIR] [--node PATH]
 *
 * Output (default `dist/sea/`): `butler-sos` (the Node 24 binary with the app injected), a
 * copy of `web/` (the web UI's static files, looked up next to the binary) and of the few
 * packages whose files are served from disk (`node_modules/uplot/`, see importMetaUrlPlugin).
 *
 * How, and why this way:
 * 1. esbuild bundles src/cli/main.ts and every dependency into one **ESM** file. ESM because
 *    the CLI uses top-level await, which CommonJS cannot express; Node 24's SEA runs only a
 *    CommonJS main script, so step 3 adds a tiny CommonJS loader.
 * 2. `import.meta.url` is rewritten per module to the URL the module would have if the repo's
 *    tree were laid out next to the executable (`<exe dir>/src/cli/main.ts`, ...). Files the
 *    code reads relative to itself (config fallback, web UI) are therefore looked up beside
 *    the binary, as upstream's binaries do. package.json is embedded: reads of
 *    `<exe dir>/package.json` are answered from the copy inside the binary (see prelude()).
 * 3. The loader (CommonJS) takes the bundle from the SEA assets and imports it as a `data:`
 *    URL module: Node's ESM loader runs it with top-level await intact.
 * 4. `node --experimental-sea-config` writes the blob; postject injects it into a copy of the
 *    Node 24 binary from node_modules (node_modules/.bin/node -> node_modules/node/bin/node).
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const REPO = fileURLToPath(new URL('../', import.meta.url));

/** The fuse string Node's SEA support looks for in the binary (fixed by Node). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const BUNDLE_ASSET = 'app.mjs';

export interface BuildSeaOptions {
  /** Output folder (created; the binary is `<outDir>/butler-sos`). Default `dist/sea`. */
  outDir?: string;
  /** Node binary to inject into. Default: the real file behind node_modules/.bin/node. */
  nodeBinary?: string;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
  /** Entry module; default src/cli/launch.ts. */
  entry?: string;
}

export interface BuildSeaResult {
  binary: string;
  version: string;
  /** Folders copied next to the binary (relative to it), read at run time. */
  assets: string[];
  /** Size of the ESM bundle in bytes. */
  bundleBytes: number;
  /** Size of the finished binary in bytes. */
  binaryBytes: number;
  /** Seconds per step and in total. */
  seconds: { bundle: number; blob: number; inject: number; total: number };
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
}

/**
 * Runs first inside the bundle. `require` serves the builtin `require()` calls that bundled
 * CommonJS packages make (esbuild leaves those to a runtime `require`). The fs overlay answers
 * reads of the embedded files only; every other read goes to disk untouched.
 */
function prelude(pkg: PackageJson): string {
  const embedded = JSON.stringify({ 'package.json': `${JSON.stringify(pkg, null, 2)}\n` });
  return `// butler-sos single executable: prelude (scripts/build-sea.ts)
import { createRequire as __seaCreateRequire, syncBuiltinESMExports as __seaSyncBuiltins } from 'node:module';
import * as __seaPath from 'node:path';
import { fileURLToPath as __seaFileURLToPath, pathToFileURL as __seaPathToFileURL } from 'node:url';
import __seaFs from 'node:fs';
const require = __seaCreateRequire(process.execPath);
const __seaRoot = __seaPathToFileURL(__seaPath.dirname(process.execPath) + __seaPath.sep).href;
const __seaEmbedded = new Map(Object.entries(${embedded}).map(([rel, text]) => [__seaPath.resolve(__seaPath.dirname(process.execPath), rel), text]));
const __seaReadFileSync = __seaFs.readFileSync;
__seaFs.readFileSync = function readFileSync(file, options) {
  if (typeof file === 'string' || file instanceof URL) {
    const text = __seaEmbedded.get(__seaPath.resolve(file instanceof URL ? __seaFileURLToPath(file) : file));
    if (text !== undefined) {
      const encoding = typeof options === 'string' ? options : options?.encoding;
      return encoding ? text : Buffer.from(text, 'utf8');
    }
  }
  return __seaReadFileSync.apply(this, arguments);
};
// Named imports of node:fs (\`import { readFileSync } from 'node:fs'\`) see the patch only after this.
__seaSyncBuiltins();
`;
}

/** The CommonJS main script of the SEA: loads the ESM bundle from the embedded assets. */
const LOADER = `'use strict';
// butler-sos single executable: loader (scripts/build-sea.ts). Node's SEA main script must be
// CommonJS; the app is ESM (top-level await), so it is imported from the embedded asset.
const { getAsset } = require('node:sea');
const code = Buffer.from(getAsset('${BUNDLE_ASSET}'));
import('data:text/javascript;base64,' + code.toString('base64')).catch((error) => {
  process.stderr.write('butler-sos: failed to start: ' + (error && error.stack ? error.stack : String(error)) + '\\n');
  process.exitCode = 1;
});
`;

/** `@scope/pkg/sub/path` -> `@scope/pkg`, `pkg/sub/path` -> `pkg`. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Makes each module's `import.meta.url` the URL it would have beside the executable, and
 * turns `createRequire(import.meta.url)('pkg')` into a plain `require('pkg')` so esbuild
 * bundles the package (a runtime require would look for node_modules next to the binary).
 * Files located with `createRequire(import.meta.url).resolve('pkg/file')` (static assets
 * served from a package, e.g. uPlot for the web UI) cannot be bundled: their packages are
 * collected so the build copies them to `<out>/node_modules/`, where that resolve finds them.
 */
export function importMetaUrlPlugin(resolvedAtRuntime: Set<string>, rootVariable = '__seaRoot'): Plugin {
  return {
    name: 'sea-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.(ts|mts|js|mjs)$/, namespace: 'file' }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        for (const m of source.matchAll(
          /createRequire\(\s*import\.meta\.url\s*\)\.resolve\(\s*['"]([^'"]+)['"]/g,
        )) {
          resolvedAtRuntime.add(packageNameOf(m[1]!));
        }
        const rel = relative(REPO, args.path).split('\\').join('/');
        const contents = source
          .replace(/createRequire\(\s*import\.meta\.url\s*\)\(/g, 'require(')
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, ${rootVariable}).href`);
        const loader = /\.m?ts$/.test(args.path) ? 'ts' : 'js';
        return { contents, loader };
      });
    },
  };
}

/**
 * A lazily imported (`await import('./x.ts')`) source file that does not exist yet becomes a
 * module that throws a clear error when loaded, so one unfinished command does not stop the
 * whole binary from building. Static imports still fail the build as usual.
 */
export function missingLazyModulePlugin(missing: string[]): Plugin {
  return {
    name: 'sea-missing-lazy-module',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = resolve(args.resolveDir, args.path);
        if (existsSync(target)) return undefined;
        const rel = relative(REPO, target);
        missing.push(rel);
        return { path: rel, namespace: 'sea-missing' };
      });
      b.onLoad({ filter: /.*/, namespace: 'sea-missing' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not part of this build of butler-sos`)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The repo files (outside node_modules) that the CLI loads, found by bundling in memory. The
 * Dockerfile test uses it to check that the image copies everything the program imports.
 */
export async function appSourceFiles(): Promise<string[]> {
  const result = await build({
    entryPoints: [join(REPO, 'src', 'cli', 'launch.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    outdir: join(REPO, 'dist', 'inputs'),
    absWorkingDir: REPO,
    plugins: [missingLazyModulePlugin([])],
    external: ['pg-native'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .filter((path) => !path.includes('node_modules/') && !path.startsWith('sea-missing:'))
    .sort();
}

function seconds(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e7) / 100;
}

/** The real Node 24 executable behind node_modules/.bin/node (a symlink into node_modules/node). */
export function defaultNodeBinary(): string {
  const candidate = join(REPO, 'node_modules', '.bin', 'node');
  if (!existsSync(candidate)) throw new Error(`No Node binary at ${candidate}; run npm install first.`);
  return realpathSync(candidate);
}

export interface BundleResult {
  /** Lazily imported source files that do not exist (see missingLazyModulePlugin). */
  missing: string[];
  /** Packages whose files the program locates with require.resolve at run time. */
  resolvedAtRuntime: Set<string>;
}

/** Step 1 on its own: the single ESM file the binary runs (also used by the tests). */
export async function bundleApp(options: {
  entry: string;
  outfile: string;
  pkg?: PackageJson;
}): Promise<BundleResult> {
  const pkg = options.pkg ?? (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson);
  const missing: string[] = [];
  const resolvedAtRuntime = new Set<string>();
  await build({
    entryPoints: [options.entry],
    outfile: options.outfile,
    absWorkingDir: REPO,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    banner: { js: prelude(pkg) },
    // Names the module in stack traces; otherwise every frame would print the whole data: URL.
    footer: { js: `//# sourceURL=file:///butler-sos-${pkg.version}.mjs` },
    plugins: [importMetaUrlPlugin(resolvedAtRuntime), missingLazyModulePlugin(missing)],
    // Optional native add-on that pg loads only when asked for; not part of this product.
    external: ['pg-native'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { missing, resolvedAtRuntime };
}

export async function buildSea(options: BuildSeaOptions = {}): Promise<BuildSeaResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const outDir = resolve(options.outDir ?? join(REPO, 'dist', 'sea'));
  const nodeBinary = options.nodeBinary ?? defaultNodeBinary();
  const started = process.hrtime.bigint();

  const pkgAll = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
  const pkg: PackageJson = {
    name: pkgAll.name,
    version: pkgAll.version,
    ...(pkgAll.description ? { description: pkgAll.description } : {}),
    ...(pkgAll.license ? { license: pkgAll.license } : {}),
  };

  const work = join(outDir, 'build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  // 1. Bundle.
  let t = process.hrtime.bigint();
  const bundlePath = join(work, BUNDLE_ASSET);
  const { missing, resolvedAtRuntime } = await bundleApp({
    entry: options.entry ?? join(REPO, 'src', 'cli', 'launch.ts'),
    outfile: bundlePath,
    pkg,
  });
  const bundleSeconds = seconds(t);
  for (const m of missing)
    log(`warning: ${m} does not exist; the binary reports it as unavailable when used`);
  const bundleBytes = statSync(bundlePath).size;
  log(`bundle: ${(bundleBytes / 1e6).toFixed(2)} MB in ${bundleSeconds} s`);

  // 2. Blob.
  t = process.hrtime.bigint();
  const loaderPath = join(work, 'sea-main.cjs');
  const blobPath = join(work, 'sea-prep.blob');
  const configPath = join(work, 'sea-config.json');
  writeFileSync(loaderPath, LOADER);
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        main: loaderPath,
        output: blobPath,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache: false,
        assets: { [BUNDLE_ASSET]: bundlePath },
      },
      null,
      2,
    ),
  );
  execFileSync(nodeBinary, ['--experimental-sea-config', configPath], { cwd: work, stdio: 'pipe' });
  const blobSeconds = seconds(t);

  // 3. Inject into a copy of the Node binary.
  t = process.hrtime.bigint();
  const binary = join(outDir, 'butler-sos');
  rmSync(binary, { force: true });
  cpSync(nodeBinary, binary);
  const postject = createRequire(import.meta.url)('postject') as {
    inject: (
      file: string,
      resource: string,
      data: Buffer,
      options: { sentinelFuse: string; overwrite?: boolean },
    ) => Promise<void>;
  };
  // postject prints harmless ELF section-name warnings on Linux; silence them.
  const warn = console.warn;
  console.warn = () => {};
  try {
    await postject.inject(binary, 'NODE_SEA_BLOB', readFileSync(blobPath), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
  const injectSeconds = seconds(t);

  // Files read at run time from beside the binary: the web UI's static files, and the
  // packages whose files are located with require.resolve (see importMetaUrlPlugin).
  const assets: string[] = [];
  const copyAsset = (rel: string) => {
    const from = join(REPO, rel);
    if (!existsSync(from)) return;
    rmSync(join(outDir, rel), { recursive: true, force: true });
    cpSync(from, join(outDir, rel), { recursive: true });
    assets.push(rel);
  };
  copyAsset('web');
  for (const pkgName of [...resolvedAtRuntime].sort()) copyAsset(join('node_modules', pkgName));
  rmSync(work, { recursive: true, force: true });

  const result: BuildSeaResult = {
    binary,
    version: pkg.version,
    assets,
    bundleBytes,
    binaryBytes: statSync(binary).size,
    seconds: { bundle: bundleSeconds, blob: blobSeconds, inject: injectSeconds, total: seconds(started) },
  };
  log(
    `built ${relative(process.cwd(), binary) || binary} (version ${pkg.version}, ` +
      `${(result.binaryBytes / 1e6).toFixed(1)} MB) in ${result.seconds.total} s ` +
      `(bundle ${bundleSeconds} s, blob ${blobSeconds} s, inject ${injectSeconds} s); ` +
      `beside it: ${assets.join(', ') || 'nothing'}`,
  );
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, node: { type: 'string' } },
    allowPositionals: false,
  });
  try {
    await buildSea({
      ...(values.out ? { outDir: values.out } : {}),
      ...(values.node ? { nodeBinary: values.node } : {}),
    });
  } catch (error) {
    process.stderr.write(`build-sea: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
