/**
 * Builds what `butler-sos` runs in production (bin/butler-sos.js, `npm start`, the Docker image):
 *
 *   node scripts/build.ts [--out DIR] [--no-minify]   (default dist/app; run by `npm install` via prepare)
 *
 * Why a build at all when Node 24 runs the TypeScript sources: the type stripper (a WebAssembly
 * module inside Node) and ~200 separate module files keep about 15 MB more resident than one
 * minified bundle, and the agent's idle memory matters (target: idle RSS ≤ 60 MB). The tests
 * still run the sources directly; a test checks that the build starts and runs the agent.
 *
 * esbuild writes ESM with code splitting: each lazily imported part (a sink, the web UI, the
 * local store, the config checker used only by the checking child process) stays a separate
 * chunk that is loaded only when used. `import.meta.url` is rewritten per module to the URL the
 * source file has in the repo (the same rewrite as the single binary), so files read relative
 * to the code (package.json, web/, node_modules/uplot) are found from dist/app as from src/.
 */
import { rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { importMetaUrlPlugin, missingLazyModulePlugin } from './build-sea.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_APP_DIR = join(REPO, 'dist', 'app');

/**
 * Builds the app into `outDir` (emptied first); returns the entry file to run. `minify: false`
 * keeps the source's names, for CPU profiles that name functions (bench/agent-cost.ts).
 */
export async function buildApp(
  outDir = DEFAULT_APP_DIR,
  options: { minify?: boolean } = {},
): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  const root = relative(outDir, REPO).split('\\').join('/');
  await build({
    entryPoints: { 'butler-sos': join(REPO, 'src', 'cli', 'launch.ts') },
    outdir: outDir,
    absWorkingDir: REPO,
    bundle: true,
    splitting: true,
    minify: options.minify ?? true,
    // Function and class names stay readable in stack traces and logs.
    keepNames: true,
    sourcemap: 'linked',
    platform: 'node',
    target: 'node24',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    banner: {
      // Bundled CommonJS packages call require() for builtins; ESM has none, so give each chunk one.
      js:
        "import { createRequire as __appCreateRequire } from 'node:module';" +
        'const require = __appCreateRequire(import.meta.url);' +
        `const __appRoot = new URL(${JSON.stringify(`${root}/`)}, import.meta.url).href;`,
    },
    plugins: [importMetaUrlPlugin(new Set(), '__appRoot'), missingLazyModulePlugin([])],
    // Optional native add-on that pg loads only when asked for; not part of this product.
    external: ['pg-native'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  return join(outDir, 'butler-sos.mjs');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'no-minify': { type: 'boolean', default: false } },
  });
  const started = Date.now();
  const entry = await buildApp(values.out ? resolve(values.out) : DEFAULT_APP_DIR, {
    minify: !values['no-minify'],
  });
  process.stderr.write(`built ${relative(process.cwd(), entry)} in ${Date.now() - started} ms\n`);
}
