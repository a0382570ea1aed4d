// A worker of bench/ant.ts: owns some Ant-v3 envs (its own MuJoCo module) and steps them when the main thread bumps the
// generation counter in shared memory; actions in, observations and rewards out, all in SharedArrayBuffers.
import { workerData } from 'node:worker_threads';
import { Rng } from '../src/tensor/Rng.js';
import { makeAnt, type AntEnv } from '../src/rl/envs/ant/AntEnv.js';

/** What the main thread hands a worker. */
export interface AntWorkerData {
  readonly control: SharedArrayBuffer; // Int32: [generation, stop, done_0 .. done_{W-1}]
  readonly actions: SharedArrayBuffer; // Float64 [nEnvs * 8]
  readonly obs: SharedArrayBuffer; // Float64 [nEnvs * 111]
  readonly rewards: SharedArrayBuffer; // Float64 [nEnvs]
  readonly worker: number;
  readonly first: number;
  readonly count: number;
  readonly seed: number;
  readonly maxEpisodeSteps: number;
}

const d = workerData as AntWorkerData;
const control = new Int32Array(d.control);
const actions = new Float64Array(d.actions);
const obs = new Float64Array(d.obs);
const rewards = new Float64Array(d.rewards);
const envs: AntEnv[] = [];
const lengths: number[] = [];
for (let i = 0; i < d.count; i++) {
  const env = await makeAnt();
  obs.set(env.reset(Rng.seeded(d.seed).split(d.first + i)), (d.first + i) * 111);
  envs.push(env);
  lengths.push(0);
}
Atomics.store(control, 2 + d.worker, 0);
Atomics.notify(control, 2 + d.worker);
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen);
  if (Atomics.load(control, 1) === 1) break;
  seen = Atomics.load(control, 0);
  for (let i = 0; i < d.count; i++) {
    const k = d.first + i;
    const env = envs[i]!;
    const r = env.step(actions.subarray(k * 8, k * 8 + 8));
    rewards[k] = r.reward;
    lengths[i]!++;
    if (r.terminated || lengths[i]! >= d.maxEpisodeSteps) {
      lengths[i] = 0;
      obs.set(env.reset(), k * 111);
    } else obs.set(r.obs, k * 111);
  }
  Atomics.store(control, 2 + d.worker, seen);
  Atomics.notify(control, 2 + d.worker);
}
for (const e of envs) e.close();
