import { z } from 'zod';
import { resolveDataSource } from '../../benchmarks/data/dataSource.js';
import { imageSize, type ImageSet } from '../../benchmarks/data/ImageSet.js';
import { loadImageSet } from '../../benchmarks/data/datasets.js';
import { Rng, type RngState } from '../../tensor/Rng.js';
import type { Action, BoxSpace, DiscreteSpace, Env, StepResult } from './Env.js';
import type { EnvSpec } from './EnvSpec.js';

/** Which actions pay: the true class, a fixed random label per image (to be memorized), or the true class only for the first k classes. */
export const classificationRewardKinds = ['labels', 'random-labels', 'subset'] as const;

/** The classification MDP's options (one-line docs are the CLI's help). */
export const classificationMdpOptionsSchema = z.strictObject({
  dataset: z.string().default('digits').describe("image data set (mnist, fashion-mnist, cifar10, digits, or a registered one)"),
  images: z.number().int().min(1).default(1000).describe('states: the first this many training images'),
  rewards: z.enum(classificationRewardKinds).default('labels').describe("reward 1 for the right class ('labels'), for a fixed random label ('random-labels'), or for the right class among the first rewardClasses ('subset')"),
  rewardClasses: z.number().int().min(1).default(5).describe("'subset': classes 0 .. k-1 pay, the others never"),
  labelSeed: z.number().int().min(0).default(0).describe("'random-labels': the seed of the labels (every env copy draws the same)"),
  episodeLength: z.number().int().min(1).default(100).describe('steps per episode (a time limit: bootstrapped, only for the episode records)'),
  dataDir: z.string().optional().describe('folder with the data set files (default: SUPPLE_DATA_DIR, then the cache)'),
});
/** Parsed options of the classification MDP. */
export type ClassificationMdpOptions = z.output<typeof classificationMdpOptionsSchema>;

/** One loaded data set per (name, folder), shared by env copies and runs of a process. */
const cache = new Map<string, Promise<ImageSet>>();

/** The MDP's fixed tables: observations in [0, 1] and the paying action of each state (-1: none). */
export interface MdpTables {
  readonly obs: Float64Array;
  readonly size: number;
  readonly target: Int32Array;
  readonly classes: number;
  readonly count: number;
}

/**
 * Lyle et al.'s (2023) classification MDP: a state is an image, the actions are the classes, the reward is 1
 * for the paying action (the label, a random label, or the label of a rewarded class) and 0 otherwise, and the
 * next state is drawn uniformly whatever the action; nothing terminates, so Q*(s, a) = r(s, a) + gamma / (1 -
 * gamma) x (the fraction of states that pay). Q-learning on it is non-stationary only through the target
 * network. `expertAction` is the paying action (data collection by the optimal policy).
 */
export class ClassificationMdp implements Env {
  readonly id = 'ClassificationMdp-v0';
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace;
  private rng: Rng;
  private state = 0;
  private t = 0;
  private readonly out: Float64Array;

  constructor(
    private readonly tables: MdpTables,
    private readonly episodeLength: number,
    rng?: Rng,
  ) {
    this.rng = rng ?? Rng.seeded(0);
    this.observationSpace = { kind: 'box', shape: [tables.size], low: new Float64Array(tables.size).fill(0), high: new Float64Array(tables.size).fill(1) };
    this.actionSpace = { kind: 'discrete', n: tables.classes };
    this.out = new Float64Array(tables.size);
  }

  /** The state's index among the images. */
  get current(): number {
    return this.state;
  }

  private observe(): Float64Array {
    const S = this.tables.size;
    this.out.set(this.tables.obs.subarray(this.state * S, this.state * S + S));
    return this.out;
  }

  reset(rng?: Rng): Float64Array {
    if (rng) this.rng = rng;
    this.state = this.rng.int(this.tables.count);
    this.t = 0;
    return this.observe();
  }

  step(action: Action): StepResult {
    const a = typeof action === 'number' ? action : action[0]!;
    if (!(Number.isInteger(a) && a >= 0 && a < this.tables.classes)) throw new Error(`${this.id}: action = ${a} is not allowed: an integer in [0, ${this.tables.classes - 1}]`);
    const reward = this.tables.target[this.state] === a ? 1 : 0;
    this.state = this.rng.int(this.tables.count);
    this.t++;
    return { obs: this.observe(), reward, terminated: false, truncated: this.t >= this.episodeLength };
  }

  /** Every state's observation [count x size] and paying action (-1: none), for evaluating a greedy policy. */
  get table(): { readonly obs: Float64Array; readonly size: number; readonly target: Int32Array; readonly count: number } {
    return this.tables;
  }

  expertAction(): number {
    const p = this.tables.target[this.state]!;
    return p >= 0 ? p : 0;
  }

  params(): Readonly<Record<string, number>> {
    return {};
  }

  setParams(values: Readonly<Record<string, number>>): void {
    const names = Object.keys(values);
    if (names.length) throw new Error(`${this.id}: parameter '${names[0]}' is unknown; this environment has no physical parameters`);
  }

  getState(): { state: number; t: number; rng: RngState } {
    return { state: this.state, t: this.t, rng: this.rng.getState() };
  }

  setState(s: unknown): void {
    const v = s as { state: number; t: number; rng: RngState };
    this.state = v.state;
    this.t = v.t;
    this.rng.setState(v.rng);
  }
}

/** Builds the tables of an MDP from a data set (exported for tests that bring their own images). */
export function classificationTables(set: ImageSet, o: Pick<ClassificationMdpOptions, 'images' | 'rewards' | 'rewardClasses' | 'labelSeed'>): MdpTables {
  const count = Math.min(o.images, set.train.count);
  const S = imageSize(set);
  const obs = new Float64Array(count * S);
  for (let i = 0; i < count * S; i++) obs[i] = set.train.images[i]! / set.maxValue;
  const target = new Int32Array(count);
  const labelRng = Rng.seeded(o.labelSeed).split('random-labels');
  for (let i = 0; i < count; i++) {
    const y = set.train.labels[i]!;
    target[i] = o.rewards === 'labels' ? y : o.rewards === 'random-labels' ? labelRng.int(set.classes) : y < o.rewardClasses ? y : -1;
  }
  return { obs, size: S, target, classes: set.classes, count };
}

/** The registered classification MDP (`ClassificationMdp-v0`); the data set is read once per process. */
export const classificationMdpSpec: EnvSpec<typeof classificationMdpOptionsSchema> = {
  name: 'ClassificationMdp-v0',
  description: 'Lyle et al. (2023): states are images, actions the classes, reward 1 for the right one, next state uniform (never terminates)',
  schema: classificationMdpOptionsSchema,
  async create(o, rng) {
    const key = `${o.dataset}\u0000${o.dataDir ?? ''}`;
    let p = cache.get(key);
    if (!p) {
      p = loadImageSet(o.dataset, { source: resolveDataSource(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}) });
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return new ClassificationMdp(classificationTables(await p, o), o.episodeLength, rng);
  },
};
