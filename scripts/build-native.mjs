#!/usr/bin/env node
// Builds the optional native backend (native/ -> native/build/Release/supple_native.node) against OpenBLAS, or
// Accelerate on macOS. Runs as the package's `install` script, so it never fails: when the library, the Node
// headers, node-gyp or a compiler is missing, or the build fails, it prints one line saying why and exits 0
// (supple then uses the wasm backend). It never downloads anything: node-gyp gets an explicit --nodedir.
//
//   node scripts/build-native.mjs [--verbose]     (`npm run build:native` passes --verbose)
//   SUPPLE_NATIVE=0                               skip the native build
//   SUPPLE_BLAS_LIB_DIR=/path                     the directory holding libopenblas.so (else searched)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addon = join(nativeDir, 'build', 'Release', 'supple_native.node');
const verbose = process.argv.includes('--verbose');

function skip(why) {
  // An addon left from an earlier build would contradict the message.
  rmSync(addon, { force: true });
  console.log(`[native] skipped: ${why}; supple will use the wasm backend`);
  process.exit(0);
}

function main() {
  if (process.env.SUPPLE_NATIVE === '0') skip('SUPPLE_NATIVE=0');
  if (!existsSync(join(nativeDir, 'binding.gyp'))) skip('native/binding.gyp is missing');
  if (process.platform === 'win32') skip('the native backend is not supported on Windows yet');

  const blas = findBlas();
  if (!blas) skip('OpenBLAS not found (Debian/Ubuntu: apt-get install libopenblas-dev; then npm run build:native)');
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) skip("node-gyp not found (it ships with npm; or add it as a devDependency)");
  const nodedir = findNodeHeaders();
  if (!nodedir) skip(`the Node ${process.version} headers were not found (set npm_config_nodedir to the directory holding include/node)`);

  const args = [nodeGyp, 'rebuild', `--nodedir=${nodedir}`, ...(verbose ? ['--verbose'] : []), '--'];
  if (blas.lib) args.push(`-Dblas_lib=${blas.lib}`);
  if (blas.dir) args.push(`-Dblas_lib_dir=${blas.dir}`);
  if (verbose) console.log(`[native] ${blas.what}; node-gyp ${nodeGyp}; headers ${nodedir}`);
  const r = spawnSync(process.execPath, args, {
    cwd: nativeDir,
    stdio: verbose ? 'inherit' : 'pipe',
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    const firstError = out.split('\n').find((l) => /error/i.test(l) && !/^gyp (ERR|info)/.test(l))?.trim();
    skip(`the build failed${firstError ? ` (${firstError.slice(0, 200)})` : r.error ? ` (${r.error.message})` : ''}; run npm run build:native to see the compiler output`);
  }

  // Load it in a child so a broken library cannot take this process down.
  const probe = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(addon)}); const i = a.info(); console.log(i.config + ', ' + i.threads + ' threads')`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    skip(`the addon was built but does not load (${(probe.stderr || '').trim().split('\n')[0]})`);
  }
  console.log(`[native] built native/build/Release/supple_native.node: ${probe.stdout.trim()}`);
}

/** Where the BLAS is: macOS uses Accelerate; elsewhere look for libopenblas.so, else the runtime libopenblas.so.0. */
function findBlas() {
  if (process.platform === 'darwin') return { what: 'Accelerate' };
  const dirs = [];
  if (process.env.SUPPLE_BLAS_LIB_DIR) dirs.push(process.env.SUPPLE_BLAS_LIB_DIR);
  // The distribution's default first (on Debian it follows update-alternatives), then pkg-config, then prefixes.
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' }[process.arch];
  if (multiarch) dirs.push(`/usr/lib/${multiarch}`, `/lib/${multiarch}`);
  dirs.push('/usr/lib64', '/usr/lib');
  const pc = spawnSync('pkg-config', ['--variable=libdir', 'openblas'], { encoding: 'utf8' });
  if (pc.status === 0 && pc.stdout.trim()) dirs.push(pc.stdout.trim().replace(/\/+$/, ''));
  dirs.push(
    '/usr/local/lib', '/usr/lib64/openblas-pthread', '/opt/OpenBLAS/lib',
    '/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib', '/home/linuxbrew/.linuxbrew/opt/openblas/lib',
  );
  // Directories the loader searches anyway need no -L/rpath.
  const system = (d) => /^\/(usr\/)?lib(64)?(\/[a-z0-9_]+-linux-gnu)?$/.test(d);
  for (const dir of dirs) {
    // The linker name (libopenblas-dev), else the runtime soname (the runtime package alone is enough: the addon
    // declares the BLAS/LAPACK prototypes itself and needs no header).
    for (const [file, lib] of [['libopenblas.so', 'openblas'], ['libopenblas.dylib', 'openblas'], ['libopenblas.so.0', ':libopenblas.so.0']]) {
      if (existsSync(join(dir, file))) return { what: `OpenBLAS in ${dir}`, dir: system(dir) ? '' : dir, lib };
    }
  }
  return null;
}

/** npm's bundled node-gyp (npm exports its path to scripts), a local one, or the one next to this node. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p?.endsWith('.js') && existsSync(p));
}

/**
 * A directory with include/node/node_api.h for this Node: npm_config_nodedir, the install prefix of this node
 * (distribution packages and the official tarballs ship the headers there), or node-gyp's header cache.
 */
function findNodeHeaders() {
  const ok = (d) => d && existsSync(join(d, 'include', 'node', 'node_api.h'));
  const env = process.env.npm_config_nodedir;
  if (env) return ok(env) ? env : null;
  const prefix = join(dirname(process.execPath), '..');
  if (ok(prefix) && headerVersion(prefix) === process.versions.node) return prefix;
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'node-gyp', process.versions.node);
  if (ok(cache)) return cache;
  // N-API is ABI-stable: headers of another version in the prefix still build a working addon.
  if (ok(prefix)) return prefix;
  return null;
}

function headerVersion(dir) {
  try {
    const h = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const v = (n) => h.match(new RegExp(`#define NODE_${n}_VERSION (\\d+)`))?.[1];
    return `${v('MAJOR')}.${v('MINOR')}.${v('PATCH')}`;
  } catch {
    return null;
  }
}

try {
  main();
} catch (e) {
  skip(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
}
