#!/usr/bin/env node
// Builds the browser parts of `supple serve` with esbuild: the dashboard (dist/dashboard/) and the playground
// (dist/playground/, a static site: the page, its training worker, kernels.wasm and the digits). The worker
// bundles the real engine from src/; the few modules that need Node (file reading, worker threads, the native
// addon) are swapped for the stand-ins in src/serve/web/shims/, and any other Node built-in fails the build.
// Run by scripts/build.mjs; skipped when the outputs are newer than every input.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const force = process.argv.includes('--force');
const log = (m) => quiet || console.log(`[build-web] ${m}`);
const web = join(root, 'src/serve/web');
const shims = join(web, 'shims');
const outPlayground = join(root, 'dist/playground');
const outDashboard = join(root, 'dist/dashboard');

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  if (existsSync(join(outPlayground, 'index.html'))) process.exit(0);
  console.warn('[build-web] esbuild is not installed (a devDependency: npm ci): the dashboard and playground are not built');
  process.exit(0);
}

// Up to date when no input of the last build (esbuild's list of the files it read) changed since.
const marker = join(outPlayground, 'trainWorker.js');
const inputsFile = join(root, 'dist/web-inputs.json');
const fixedInputs = [fileURLToPath(import.meta.url), join(root, 'dist/wasm/kernels.wasm'), join(root, 'data/sklearn-digits/digits.csv.gz'), join(root, 'tsconfig.web.json')];
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : Infinity);
if (!force && existsSync(marker) && existsSync(inputsFile) && existsSync(join(outDashboard, 'index.html'))) {
  const last = JSON.parse(readFileSync(inputsFile, 'utf8'));
  const newest = Math.max(newestMtime(web), ...fixedInputs.filter(existsSync).map(mtime), ...last.map((f) => mtime(join(root, f))));
  if (newest <= statSync(inputsFile).mtimeMs) process.exit(0);
}

/** Engine modules that read files or start threads, and their browser stand-ins. */
const swaps = [
  [/\/backend\/wasm\/kernels\.js$/, join(shims, 'kernels.ts')],
  [/\/benchmarks\/data\/datasets\.js$/, join(shims, 'datasets.ts')],
  [/\/backend\/native\/nativeBackend\.js$/, join(shims, 'nativeBackend.ts')],
];
const nodeStandIns = new Set(['node:os', 'node:worker_threads', 'node:zlib']);
const browserSwaps = {
  name: 'supple-browser',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('node:')) {
        if (nodeStandIns.has(args.path)) return { path: join(shims, 'node.ts') };
        return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no browser stand-in: keep it out of the browser bundle` }] };
      }
      if (!args.path.startsWith('.')) return undefined;
      const full = resolve(args.resolveDir, args.path);
      for (const [re, to] of swaps) if (re.test(full) && !args.importer.startsWith(shims)) return { path: to };
      return undefined;
    });
  },
};

// The browser code is type-checked on its own (DOM types; tsconfig.json leaves src/serve/web out).
log('tsc -p tsconfig.web.json');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.web.json')], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('[build-web] failed: tsc -p tsconfig.web.json');
  process.exit(tsc.status ?? 1);
}

const common = { metafile: true, bundle: true, format: 'esm', target: 'es2022', platform: 'browser', minify: true, sourcemap: true, legalComments: 'none', logLevel: quiet ? 'error' : 'warning' };
mkdirSync(outPlayground, { recursive: true });
mkdirSync(outDashboard, { recursive: true });
log('esbuild -> dist/playground, dist/dashboard');
const builds = [];
builds.push(await esbuild.build({
  ...common,
  entryPoints: { trainWorker: join(web, 'playground/trainWorker.ts') },
  outdir: outPlayground,
  plugins: [browserSwaps],
  inject: [join(shims, 'process.ts')],
}));
builds.push(await esbuild.build({ ...common, entryPoints: { playground: join(web, 'playground/playgroundPage.ts') }, outdir: outPlayground }));
builds.push(await esbuild.build({ ...common, entryPoints: { dashboard: join(web, 'dashboard/dashboardPage.ts') }, outdir: outDashboard }));
copyFileSync(join(web, 'playground/index.html'), join(outPlayground, 'index.html'));
copyFileSync(join(web, 'dashboard/index.html'), join(outDashboard, 'index.html'));
// Without the kernels (no AssemblyScript) the playground runs on the TypeScript backend.
if (existsSync(join(root, 'dist/wasm/kernels.wasm'))) copyFileSync(join(root, 'dist/wasm/kernels.wasm'), join(outPlayground, 'kernels.wasm'));
copyFileSync(join(root, 'data/sklearn-digits/digits.csv.gz'), join(outPlayground, 'digits.csv.gz'));
writeFileSync(inputsFile, JSON.stringify([...new Set(builds.flatMap((b) => Object.keys(b.metafile.inputs)))].sort()));
