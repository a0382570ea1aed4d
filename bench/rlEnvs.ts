// Raw environment stepping speed: random actions, env steps per second (a vector step of N copies counts N).
// Run: npm run build && node dist/bench/rlEnvs.js [--seconds S]   (also the `rl` section of `npm run bench`)
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '../src/tensor/Rng.js';
import type { Env } from '../src/rl/envs/Env.js';
import { CartPole } from '../src/rl/envs/CartPole.js';
import { makeEnvSync } from '../src/rl/envs/envRegistry.js';
import { SyncVectorEnv } from '../src/rl/envs/SyncVectorEnv.js';
import { applyWrappers, cleanrlWrappers } from '../src/rl/envs/wrapperConfig.js';

/** One measured workload. */
export interface RlEnvResult {
  readonly name: string;
  readonly copies: number;
  readonly stepsPerSecond: number;
}

/** Steps `step` (returning env steps taken) for about `seconds`, after a short warm-up; env steps per second. */
function measure(step: () => number, seconds: number): number {
  for (let i = 0; i < 20000; i++) step();
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let i = 0; i < 2000; i++) steps += step();
    t = performance.now();
  }
  return (steps * 1000) / (t - t0);
}

function vectorWorkload(id: string, copies: number, wrap: (e: Env) => Env): () => number {
  const v = SyncVectorEnv.of(copies, () => wrap(makeEnvSync(id)));
  v.reset(Rng.seeded(1));
  const rng = Rng.seeded(2);
  const space = v.singleActionSpace;
  const actions = new Float64Array(copies * v.actionSize);
  return () => {
    if (space.kind === 'discrete') for (let i = 0; i < copies; i++) actions[i] = rng.int(space.n);
    else rng.fillUniform(actions, -2, 2);
    v.step(actions);
    return copies;
  };
}

const none = (e: Env) => e;

/** The raw-stepping workloads: CartPole alone and in vector envs of 1 and 8 copies, and the other classic envs. */
const workloads: { name: string; copies: number; make: () => () => number }[] = [
  {
    name: 'CartPole-v1 bare env (no time limit, no vector)',
    copies: 1,
    make: () => {
      const env = new CartPole();
      env.reset(Rng.seeded(1));
      const rng = Rng.seeded(2);
      return () => {
        const r = env.step(rng.int(2));
        if (r.terminated) env.reset();
        return 1;
      };
    },
  },
  { name: 'CartPole-v1 SyncVectorEnv x1 (time limit)', copies: 1, make: () => vectorWorkload('CartPole-v1', 1, none) },
  { name: 'CartPole-v1 SyncVectorEnv x8 (time limit)', copies: 8, make: () => vectorWorkload('CartPole-v1', 8, none) },
  { name: 'CartPole-v1 SyncVectorEnv x8 + RecordEpisodeStatistics', copies: 8, make: () => vectorWorkload('CartPole-v1', 8, (e) => applyWrappers(e, cleanrlWrappers(false))) },
  { name: 'Acrobot-v1 SyncVectorEnv x8', copies: 8, make: () => vectorWorkload('Acrobot-v1', 8, none) },
  { name: 'MountainCar-v0 SyncVectorEnv x8', copies: 8, make: () => vectorWorkload('MountainCar-v0', 8, none) },
  { name: 'Pendulum-v1 SyncVectorEnv x8 + CleanRL continuous wrappers', copies: 8, make: () => vectorWorkload('Pendulum-v1', 8, (e) => applyWrappers(e, cleanrlWrappers(true))) },
];

/**
 * Each workload in its own Node process, as a training run has one environment type: in one process the
 * shared call sites (vector step, wrappers) would see every env class and slow down.
 */
export function benchRlEnvs(seconds = 2, log: (line: string) => void = console.log): RlEnvResult[] {
  const out: RlEnvResult[] = [];
  for (let k = 0; k < workloads.length; k++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--workload', String(k), '--seconds', String(seconds)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rl bench workload ${k} failed: ${r.stderr}`);
    const w = workloads[k]!;
    const res: RlEnvResult = { name: w.name, copies: w.copies, stepsPerSecond: Number(r.stdout.trim()) };
    out.push(res);
    log(`${w.name.padEnd(58)} ${Math.round(res.stepsPerSecond).toString().padStart(10)} env steps/s`);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opt = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seconds = Number(opt('--seconds') ?? 2);
  const k = opt('--workload');
  if (k !== undefined) console.log(measure(workloads[Number(k)]!.make(), seconds));
  else {
    console.log(`rl environments: random actions, ${seconds} s per workload (each in its own process), node ${process.version}`);
    benchRlEnvs(seconds);
  }
}
