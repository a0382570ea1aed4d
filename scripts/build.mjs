#!/usr/bin/env node
// Builds what supple needs to run: the WebAssembly kernels (AssemblyScript -> dist/wasm/kernels.wasm) and the
// TypeScript (tsc -> dist/). Runs on `npm ci` (prepare) and before tests and benchmarks. Downloads nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (m) => quiet || console.log(`[build] ${m}`);

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[build] failed: ${cmd} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}

// 1. WebAssembly kernels: kernels.wasm (SIMD), and kernels-fma.wasm, the same sources with relaxed SIMD, whose
// gemm micro-kernel uses fused multiply-adds (wasm/kernels.ts picks it where the engine accepts it).
const asDir = join(root, 'src/backend/wasm/assembly');
const wasmBuilds = [
  { out: join(root, 'dist/wasm/kernels.wasm'), features: 'simd,threads' },
  { out: join(root, 'dist/wasm/kernels-fma.wasm'), features: 'simd,threads,relaxed-simd' },
];
const asc = join(root, 'node_modules/assemblyscript/bin/asc.js');
if (existsSync(asDir)) {
  const newest = Math.max(newestMtime(asDir), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  for (const { out, features } of wasmBuilds) {
    const stale = !existsSync(out) || statSync(out).mtimeMs < newest;
    const name = `dist/wasm/${basename(out)}`;
    if (stale && existsSync(asc)) {
      mkdirSync(dirname(out), { recursive: true });
      log(`AssemblyScript -> ${name}`);
      run(process.execPath, [
        asc, join(asDir, 'index.ts'),
        '-O3', '--noAssert',
        // Function names in the binary (a few KiB) so that profiles name the kernels.
        '--debug',
        '--enable', features,
        '--runtime', 'stub',
        '--importMemory', '--sharedMemory', '--initialMemory', '32', '--maximumMemory', '65536',
        '--outFile', out,
      ]);
    } else if (stale) {
      console.warn(`[build] assemblyscript is not installed and ${name} is missing or stale: the wasm backend will be unavailable`);
    }
  }
}

// 2. TypeScript. Outputs of sources that were moved or deleted go first: tsc never removes them, and a stale
// module (or its test) would still load and run.
function removeStale(out, srcDir) {
  if (!existsSync(out)) return;
  for (const e of readdirSync(out, { withFileTypes: true })) {
    const p = join(out, e.name);
    if (e.isDirectory()) {
      removeStale(p, join(srcDir, e.name));
      if (readdirSync(p).length === 0) rmSync(p, { recursive: true });
      continue;
    }
    const m = /^(.*)\.(js|js\.map|d\.ts)$/.exec(e.name);
    if (m && !existsSync(join(srcDir, `${m[1]}.ts`))) rmSync(p);
  }
}
for (const d of ['src', 'test', 'bench']) removeStale(join(root, 'dist', d), join(root, d));
log('tsc');
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')]);

// 3. The browser parts of `supple serve` (dashboard, playground): esbuild, when installed.
run(process.execPath, [join(root, 'scripts/build-web.mjs'), ...(quiet ? ['--quiet'] : [])]);

// The bin must be executable: `npx supple` in this repository runs dist/src/cli/main.js directly (npm sets the
// mode only for installed dependencies), and tsc writes it 0644.
const bin = join(root, 'dist/src/cli/main.js');
if (existsSync(bin)) chmodSync(bin, 0o755);
