// supple's Ant-v3 (MuJoCo WebAssembly from npm) against native MuJoCo through its C API (bench/mujoco-native/antNative.c):
// the same start and actions step for step, random-action statistics, and steps per CPU-second of the two.
// Needs a C compiler and MuJoCo's C library (Debian: apt-get install libmujoco-dev); skips with the reason otherwise.
// Run: npm run build && node dist/bench/antNative.js [--steps N]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '../src/tensor/Rng.js';
import { antXmlPath, makeAnt } from '../src/rl/envs/ant/AntEnv.js';
import { loadMujoco } from '../src/rl/envs/mujoco/loadMujoco.js';
import { modelFromXml } from '../src/rl/envs/mujoco/modelFromXml.js';
import { removeScratchDir, scratchDir } from '../test/helpers/scratchDir.js';

const source = fileURLToPath(new URL('../../bench/mujoco-native/antNative.c', import.meta.url));

/** Statistics of N env steps of LCG random controls, as the C program prints them. */
interface Stats {
  version: string;
  stepsPerCpuS: number;
  episodes: number;
  meanLength: number;
  meanZ: number;
  meanContacts: number;
}

function compile(dir: string): string | null {
  const exe = join(dir, 'antNative');
  const r = spawnSync('cc', ['-O2', '-o', exe, source, '-lmujoco'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return exe;
}

/** The C program's random-action loop, in the WebAssembly build (same LCG, same resets). */
async function wasmStats(n: number): Promise<Stats> {
  const mj = await loadMujoco();
  const m = modelFromXml(mj, readFileSync(antXmlPath, 'utf8'), 'ant.xml');
  const d = new mj.MjData(m);
  const ctrl = d.ctrl as Float64Array;
  const qpos = d.qpos as Float64Array;
  let s = 1;
  let len = 0;
  let episodes = 0;
  let zsum = 0;
  let con = 0;
  mj.mj_resetData(m, d);
  mj.mj_forward(m, d);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 8; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      ctrl[j] = (s >>> 8) / 8388608.0 - 1.0;
    }
    for (let k = 0; k < 5; k++) mj.mj_step(m, d);
    mj.mj_rnePostConstraint(m, d);
    const z = qpos[2]!;
    zsum += z;
    con += d.ncon;
    if (++len >= 1000 || !(z >= 0.2 && z <= 1.0)) {
      len = 0;
      episodes++;
      mj.mj_resetData(m, d);
      mj.mj_forward(m, d);
    }
  }
  const c = process.cpuUsage(c0);
  const out = {
    version: mj.mj_versionString(),
    stepsPerCpuS: n / ((c.user + c.system) / 1e6),
    episodes,
    meanLength: n / episodes,
    meanZ: zsum / n,
    meanContacts: con / n,
  };
  d.delete();
  m.delete();
  return out;
}

/** Runs the comparison; returns false when it had to skip. */
export async function benchAntNative(steps = 100000, log: (line: string) => void = console.log): Promise<boolean> {
  const dir = scratchDir('supple-antnative-');
  try {
    const exe = compile(dir);
    if (!exe) {
      log('Ant-v3 vs native MuJoCo: skipped (cannot compile bench/mujoco-native/antNative.c with `cc ... -lmujoco`; Debian: apt-get install libmujoco-dev)');
      return false;
    }
    // Step for step from a gym reset (seed 5) with uniform random actions (seed 9), until termination or 200 steps.
    const env = await makeAnt();
    env.reset(Rng.seeded(5));
    const q = env.qpos();
    const v = env.qvel();
    const acts = Rng.seeded(9);
    const actions: number[] = [];
    const rows: number[][] = [];
    for (let t = 0; t < 200; t++) {
      const a = new Float64Array(8);
      acts.fillUniform(a, -1, 1);
      actions.push(...a);
      const r = env.step(a);
      rows.push([r.info!.x_position!, r.info!.y_position!, ...env.qpos(), ...env.qvel()]);
      if (r.terminated) break;
    }
    env.close();
    const input = `${rows.length} ${[...q, ...v, ...actions].map((x) => x.toPrecision(17)).join(' ')}`;
    const run = spawnSync(exe, [antXmlPath], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`antNative failed: ${run.stderr}`);
    const native = run.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number));
    let firstOff = -1;
    const diffs: string[] = [];
    for (let t = 0; t < rows.length; t++) {
      const a = rows[t]!;
      const b = native[t]!;
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      if (firstOff < 0 && max > 1e-9) firstOff = t;
      if (t < 3 || t === firstOff || t === rows.length - 1) diffs.push(`step ${t}: ${max.toExponential(1)}`);
    }
    log(`Ant-v3 vs native MuJoCo, same start and actions (${rows.length} steps): max |difference| of torso xy, qpos, qvel: ${diffs.join(', ')}`);
    log(`  first step differing by more than 1e-9: ${firstOff < 0 ? 'none' : firstOff}`);
    const nat = spawnSync(exe, [antXmlPath], { input: `-${steps}`, encoding: 'utf8' });
    if (nat.status !== 0) throw new Error(`antNative failed: ${nat.stderr}`);
    const ns = JSON.parse(nat.stdout) as Stats;
    const ws = await wasmStats(steps);
    for (const s of [ns, ws]) {
      log(
        `  ${s === ns ? 'native' : 'wasm  '} MuJoCo ${s.version}: ${steps} env steps of random controls: ${s.episodes} episodes, mean length ${s.meanLength.toFixed(1)}, ` +
          `mean torso z ${s.meanZ.toFixed(4)}, mean contacts ${s.meanContacts.toFixed(3)}; ${s.stepsPerCpuS.toFixed(0)} env steps per CPU-second`,
      );
    }
    return true;
  } finally {
    removeScratchDir(dir);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--steps');
  await benchAntNative(i > 0 ? Number(process.argv[i + 1]) : 100000);
}
