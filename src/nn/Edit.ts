/**
 * Edits: what plasticity methods ask for. Methods never mutate a model; they return edits, and `applyEdits`
 * carries them out on parameters, every parameter-shaped optimizer state and the methods' own state, and
 * logs each one.
 */
export type Edit =
  | ReinitUnits
  | ScaleRows
  | ShrinkPerturb
  | ReinitParams
  | AddToParam
  | GrowHead
  | ResetOptimizer
  | ScaleBlocks
  | ResetBuffers
  | InjectHead
  | ClipParams;

/**
 * Reinitialize units of a group: incoming weights redrawn from the init distribution, bias 0, normalization
 * entries reset (gain 1, shift 0, running stats reset), outgoing weights zeroed ('zero') or kept ('keep'),
 * and the optimizer slots of exactly those entries reset.
 */
export interface ReinitUnits {
  readonly kind: 'reinitUnits';
  readonly group: string;
  readonly units: readonly number[];
  readonly outgoing?: 'zero' | 'keep';
  /** Why (logged): 'cbp', 'redo', ... */
  readonly reason?: string;
}

/** Multiply row r of a parameter (its first dimension: unit r's incoming weights) by factors[r], or every row by one factor. */
export interface ScaleRows {
  readonly kind: 'scaleRows';
  readonly param: string;
  readonly factors: readonly number[] | Float64Array | number;
  readonly reason?: string;
}

/**
 * theta <- shrink * theta + (1 - shrink) * anchor + noise * eps, for the named parameters (all trainable ones
 * if absent). anchor: by parameter index (theta_0 for shrink-toward-init), 0 if absent. eps: standard normal,
 * or ('init') a fresh draw from each parameter's init distribution (Ash & Adams' perturbation).
 */
export interface ShrinkPerturb {
  readonly kind: 'shrinkPerturb';
  readonly params?: readonly string[];
  readonly shrink: number;
  readonly noise: number;
  readonly noiseFrom?: 'normal' | 'init';
  readonly anchor?: ReadonlyArray<Float32Array | Float64Array | null>;
  /** Applied after every update (shrink and perturb every step): counted by its method, not logged line by line. */
  readonly routine?: boolean;
  readonly reason?: string;
}

/** Redraw whole parameters from their init distributions, or set them to zero (head reset, full reset). */
export interface ReinitParams {
  readonly kind: 'reinitParams';
  readonly params: readonly string[];
  /** 'init' (default): a fresh draw; 'zero': all zeros. */
  readonly value?: 'init' | 'zero';
  /** Reset the optimizer slots of these parameters too (default true). */
  readonly resetOptimizer?: boolean;
  readonly reason?: string;
}

/** p[indices[j]] += values[j] (continual backprop's bias compensation of the next layer). */
export interface AddToParam {
  readonly kind: 'addToParam';
  readonly param: string;
  readonly indices: readonly number[];
  readonly values: readonly number[];
  readonly reason?: string;
}

/** Add k outputs to the head (class-incremental learning); optimizer slots grow with it. */
export interface GrowHead {
  readonly kind: 'growHead';
  readonly k: number;
  readonly reason?: string;
}

/** Reset optimizer slots of parameters (all if absent) without touching the parameters. */
export interface ResetOptimizer {
  readonly kind: 'resetOptimizer';
  readonly params?: readonly string[];
  readonly reason?: string;
}

/**
 * Multiply block b of a parameter (values [b * blockSize, (b + 1) * blockSize)) by factors[b]: DASH's shrink
 * per conv kernel (blockSize = kH * kW) or per unit row (blockSize = the row size).
 */
export interface ScaleBlocks {
  readonly kind: 'scaleBlocks';
  readonly param: string;
  readonly blockSize: number;
  readonly factors: readonly number[] | Float64Array;
  readonly reason?: string;
}

/** Reset layer state buffers (normalization running statistics) to their reset values; all buffers if absent. */
export interface ResetBuffers {
  readonly kind: 'resetBuffers';
  readonly buffers?: readonly string[];
  readonly reason?: string;
}

/**
 * Plasticity injection (Nikishin et al. 2023): the last `layers` linear layers of the top-level chain (with
 * everything after the first of them) form the head h. It is frozen and replaced by h(x) + h'(x) - h''(x),
 * h' freshly initialized and trainable, h'' a frozen, detached copy of h' (so the output is unchanged at injection).
 * Optimizer and method slots are extended for the new parameters. Injecting again freezes the whole block.
 */
export interface InjectHead {
  readonly kind: 'injectHead';
  readonly layers: number;
  /** Stop the gradient through h'' (default true, the published method); false: it flows back through all three. */
  readonly detachCopy?: boolean;
  readonly reason?: string;
}

/**
 * Clamp every value of the named parameters to [-bounds[j], bounds[j]] (weight clipping, Elsayed et al. 2024).
 * Optimizer slots are left as they are (the reference code clips after the optimizer's step, nothing else).
 */
export interface ClipParams {
  readonly kind: 'clipParams';
  readonly params: readonly string[];
  /** One bound per named parameter, >= 0. */
  readonly bounds: readonly number[];
  /** Applied after every update: counted by its method, not logged line by line. */
  readonly routine?: boolean;
  readonly reason?: string;
}

/** The log line of an applied edit (edits.jsonl). */
export interface EditRecord {
  readonly kind: Edit['kind'];
  readonly reason?: string;
  readonly group?: string;
  readonly units?: number[];
  readonly params?: string[];
  readonly k?: number;
  readonly shrink?: number;
  readonly noise?: number;
  readonly routine?: boolean;
}
