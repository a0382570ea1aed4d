// Ant-v3 speed: raw env steps per second with uniform random actions (auto-reset on termination or after 1000 steps),
// for 1 env, a vector of 8 stepped one after the other in one thread, and 8 envs split over worker threads; plus bare
// mj_step for the physics share. Run: npm run build && node dist/bench/ant.js [--seconds S] [--workers W]
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rng } from '../src/tensor/Rng.js';
import { antXmlPath, makeAnt, type AntEnv } from '../src/rl/envs/ant/AntEnv.js';
import { modelFromXml } from '../src/rl/envs/mujoco/modelFromXml.js';
import { loadMujoco, mujocoUnavailable } from '../src/rl/envs/mujoco/loadMujoco.js';
import type { AntWorkerData } from './antWorker.js';

/** One measured configuration. */
export interface AntBenchResult {
  readonly name: string;
  readonly envs: number;
  readonly threads: number;
  /** Env steps (each 5 physics steps) per wall-clock second, all envs together. */
  readonly stepsPerS: number;
  /** Env steps per second of the process's CPU time (all threads). */
  readonly stepsPerCpuS: number;
}

/** Seconds run before measuring: V8 compiles WebAssembly with a baseline compiler first and optimizes hot code later. */
const WARM_S = 1.5;

/** Steps per wall-clock second, and per second of CPU time of the whole process (all its threads). */
interface Rate {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Calls `chunk` (which returns the env steps it did) for WARM_S unmeasured, then for `seconds`. The CPU-time rate is
 * what one core gives when the machine is shared (on a loaded machine the wall-clock rate mostly measures the others).
 */
function measure(seconds: number, chunk: () => number): Rate {
  const warmEnd = performance.now() + WARM_S * 1000;
  while (performance.now() < warmEnd) chunk();
  let steps = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) steps += chunk();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: steps / wall, cpu: steps / ((c.user + c.system) / 1e6) };
}

const OBS = 111;
const ACT = 8;
const LIMIT = 1000;

/** Steps `envs` sequentially in this thread for about `seconds`, copying observations into one batch as a vector env would. */
async function sequential(n: number, seconds: number): Promise<Rate> {
  const envs: AntEnv[] = [];
  for (let i = 0; i < n; i++) envs.push(await makeAnt());
  const batch = new Float64Array(n * OBS);
  const lengths = new Int32Array(n);
  const acts = Rng.seeded(1);
  const a = new Float64Array(ACT);
  envs.forEach((e, i) => batch.set(e.reset(Rng.seeded(7).split(i)), i * OBS));
  const rate = measure(seconds, () => {
    for (let rep = 0; rep < 20; rep++) {
      for (let i = 0; i < n; i++) {
        const env = envs[i]!;
        acts.fillUniform(a, -1, 1);
        const r = env.step(a);
        if (r.terminated || ++lengths[i]! >= LIMIT) {
          lengths[i] = 0;
          batch.set(env.reset(), i * OBS);
        } else batch.set(r.obs, i * OBS);
      }
    }
    return 20 * n;
  });
  for (const e of envs) e.close();
  return rate;
}

/** Bare physics: 5 mj_step calls per "step" with random controls on one model (no observation, reward or reset). */
async function physicsOnly(seconds: number): Promise<Rate> {
  const mj = await loadMujoco();
  const model = modelFromXml(mj, readFileSync(antXmlPath, 'utf8'), 'ant.xml');
  const data = new mj.MjData(model);
  const ctrl = data.ctrl as Float64Array;
  const qpos = data.qpos as Float64Array;
  const restart = (): void => {
    mj.mj_resetData(model, data);
    mj.mj_forward(model, data);
  };
  restart();
  let length = 0;
  const acts = Rng.seeded(1);
  const a = new Float64Array(ACT);
  const rate = measure(seconds, () => {
    for (let rep = 0; rep < 20; rep++) {
      acts.fillUniform(a, -1, 1);
      ctrl.set(a);
      for (let k = 0; k < 5; k++) mj.mj_step(model, data);
      // Restart where the env would (z out of [0.2, 1], or the time limit), so the physics is in the same regime.
      const z = qpos[2]!;
      if (++length >= LIMIT || !(z >= 0.2 && z <= 1)) {
        length = 0;
        restart();
      }
    }
    return 20;
  });
  data.delete();
  model.delete();
  return rate;
}

/** `n` envs over `workers` worker threads, synchronised through shared memory: the main thread draws every action. */
async function threaded(n: number, workers: number, seconds: number): Promise<Rate> {
  const control = new SharedArrayBuffer(4 * (2 + workers));
  const actionsBuf = new SharedArrayBuffer(8 * n * ACT);
  const c = new Int32Array(control);
  for (let w = 0; w < workers; w++) c[2 + w] = -1;
  const actions = new Float64Array(actionsBuf);
  const shared = { control, actions: actionsBuf, obs: new SharedArrayBuffer(8 * n * OBS), rewards: new SharedArrayBuffer(8 * n) };
  const script = fileURLToPath(new URL('./antWorker.js', import.meta.url));
  const pool: Worker[] = [];
  let first = 0;
  for (let w = 0; w < workers; w++) {
    const count = Math.floor(n / workers) + (w < n % workers ? 1 : 0);
    const data: AntWorkerData = { ...shared, worker: w, first, count, seed: 7, maxEpisodeSteps: LIMIT };
    pool.push(new Worker(script, { workerData: data }));
    first += count;
  }
  const failed = new Promise<never>((_, reject) => pool.forEach((p) => p.on('error', reject)));
  // Wait until every worker has made its envs (done_w goes from -1 to 0).
  for (let w = 0; w < workers; w++) {
    while (Atomics.load(c, 2 + w) !== 0) {
      await Promise.race([failed, new Promise((r) => setTimeout(r, 5))]);
    }
  }
  const acts = Rng.seeded(1);
  let gen = 0;
  const rate = measure(seconds, () => {
    for (let rep = 0; rep < 20; rep++) {
      acts.fillUniform(actions, -1, 1);
      gen++;
      Atomics.store(c, 0, gen);
      Atomics.notify(c, 0);
      for (let w = 0; w < workers; w++) {
        for (let v; (v = Atomics.load(c, 2 + w)) !== gen; ) Atomics.wait(c, 2 + w, v);
      }
    }
    return 20 * n;
  });
  Atomics.store(c, 1, 1);
  Atomics.store(c, 0, gen + 1);
  Atomics.notify(c, 0);
  await Promise.all(pool.map((p) => new Promise((r) => p.once('exit', r))));
  return rate;
}

/** The Ant-v3 bench: returns the measured rates (empty when MuJoCo cannot load, with the reason logged). */
export async function benchAnt(seconds = 3, workers = Math.min(8, availableParallelism()), log: (line: string) => void = console.log): Promise<AntBenchResult[]> {
  const reason = await mujocoUnavailable();
  if (reason) {
    log(`Ant-v3: skipped (${reason})`);
    return [];
  }
  const mj = await loadMujoco();
  log(`Ant-v3 (MuJoCo ${mj.mj_versionString()} WebAssembly, npm mujoco; ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, node ${process.version}; ${seconds} s each after ${WARM_S} s of warm-up)`);
  const out: AntBenchResult[] = [];
  const report = (name: string, envs: number, threads: number, r: Rate, extra = ''): void => {
    out.push({ name, envs, threads, stepsPerS: r.wall, stepsPerCpuS: r.cpu });
    log(`  ${name.padEnd(40)} ${r.wall.toFixed(0).padStart(6)} env steps/s (${(r.wall * 5).toFixed(0).padStart(6)} physics steps/s); ${r.cpu.toFixed(0).padStart(6)} per CPU-second${extra}`);
  };
  report('mj_step x5 only (no obs/reward)', 1, 1, await physicsOnly(seconds));
  report('1 env', 1, 1, await sequential(1, seconds));
  const eight = await sequential(8, seconds);
  report('8 envs, sequential in one thread', 8, 1, eight);
  if (workers > 1) {
    const r = await threaded(8, workers, seconds);
    report(`8 envs, ${workers} worker threads`, 8, workers, r, `; ${(r.wall / eight.wall).toFixed(2)}x sequential (wall)`);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  await benchAnt(Number(opt('--seconds') ?? 3), Number(opt('--workers') ?? Math.min(8, availableParallelism())));
}
