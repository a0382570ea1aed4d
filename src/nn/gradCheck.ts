import type { Backend } from '../backend/Backend.js';
import { createTsBackend } from '../backend/ts/tsBackend.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import type { GradSink, GradTarget } from './Layer.js';
import type { LayerSpec } from './LayerSpec.js';
import { Model } from './Model.js';
import type { Param } from './Param.js';

/**
 * Settings of {@link gradCheck}: batch size (default 3), seed (1), step h (1e-7), entries per parameter (24) and
 * tolerances (float32 backends: rtol 2e-3, atol 1e-4; ts64: 1e-5, 1e-6).
 */
export interface GradCheckOptions {
  readonly batch?: number;
  readonly seed?: number;
  /** Central-difference step (in float64). */
  readonly h?: number;
  /** Entries checked per parameter (random subset when larger). */
  readonly maxEntries?: number;
  readonly rtol?: number;
  readonly atol?: number;
  /** Scale of the random input (default 1). */
  readonly inputScale?: number;
}

/**
 * The outcome of {@link gradCheck}: the worst normalized error and where it occurred, the number of entries compared,
 * and up to 10 failures.
 */
export interface GradCheckResult {
  /** Worst |analytic - numeric| / (atol + rtol * max(|analytic|, |numeric|)); <= 1 passes. */
  readonly worst: number;
  readonly where: string;
  readonly checked: number;
  readonly failures: string[];
}

/**
 * Check a model's backward on `backend` against central finite differences computed in float64 by the
 * reference backend, for every parameter and for the input. The loss is L = sum(r * y) with a fixed random r,
 * so dL/dy = r. Layers with randomness (dropout) see the same random draws, and layers with running state the
 * same state, in every evaluation.
 */
export function gradCheck(spec: LayerSpec, inputShape: readonly number[], backend: Backend, opts: GradCheckOptions = {}): GradCheckResult {
  const batch = opts.batch ?? 3;
  const seed = opts.seed ?? 1;
  const h = opts.h ?? 1e-7;
  const rtol = opts.rtol ?? (backend.name === 'ts64' ? 1e-5 : 2e-3);
  const atol = opts.atol ?? (backend.name === 'ts64' ? 1e-6 : 1e-4);
  const maxEntries = opts.maxEntries ?? 24;
  const ref = createTsBackend(64);

  const model = Model.build(spec, { inputShape, backend, rng: Rng.seeded(seed) });
  const oracle = Model.build(spec, { inputShape, backend: ref, rng: Rng.seeded(seed) });
  // The oracle uses exactly the parameters of the model under test (float32 values are exact in float64).
  oracle.params.forEach((p, i) => p.data.set(model.params[i]!.data));
  const startState = model.getState();
  const perIn = inputShape.reduce((a, b) => a * b, 1);
  const dataRng = Rng.seeded(seed).split('gradcheck');
  const scale = opts.inputScale ?? 1;
  const x = new Tensor(backend.alloc(batch * perIn), [batch, ...inputShape]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = scale * (dataRng.float() * 2 - 1);
  const x64 = new Tensor(ref.alloc(x.data.length), x.shape);
  x64.data.set(x.data);

  // Analytic gradients on the backend under test.
  const y = model.forward(x, true);
  const r = new Float64Array(y.data.length);
  for (let i = 0; i < r.length; i++) r[i] = dataRng.float() * 2 - 1;
  const dy = new Tensor(backend.alloc(r.length), y.shape);
  dy.data.set(r);
  const sink: GradSink = {
    target: (p: Param): GradTarget => ({ buf: p.grad, alpha: 1, beta: 0 }),
  };
  const dx = model.root.backward(dy, sink, true)!;

  // L(theta) in float64 with the random streams and running state (online normalization statistics, spectral
  // norm vectors) of the first forward replayed, so every evaluation computes the same function.
  const loss = (): number => {
    oracle.setState({ ...oracle.getState(), buffers: startState.buffers, rngs: startState.rngs });
    const out = oracle.forward(x64, true);
    let s = 0;
    for (let i = 0; i < out.data.length; i++) s += r[i]! * out.data[i]!;
    return s;
  };
  const numeric = (arr: Float32Array | Float64Array, i: number): number => {
    const v = arr[i]!;
    arr[i] = v + h;
    const up = loss();
    arr[i] = v - h;
    const down = loss();
    arr[i] = v;
    return (up - down) / (2 * h);
  };

  let worst = 0;
  let where = '';
  let checked = 0;
  const failures: string[] = [];
  const pick = (n: number, label: string): number[] => {
    if (n <= maxEntries) return [...Array(n).keys()];
    return [...Rng.seeded(seed).split(label).sample(n, maxEntries)];
  };
  const compare = (label: string, analytic: number, num: number) => {
    const err = Math.abs(analytic - num) / (atol + rtol * Math.max(Math.abs(analytic), Math.abs(num)));
    checked++;
    if (err > worst) {
      worst = err;
      where = `${label}: analytic ${analytic.toPrecision(7)} vs numeric ${num.toPrecision(7)}`;
    }
    if (err > 1 && failures.length < 10) failures.push(`${label}: analytic ${analytic} vs numeric ${num}`);
  };
  model.params.forEach((p, pi) => {
    const q = oracle.params[pi]!;
    for (const i of pick(p.data.length, p.name)) compare(`${p.name}[${i}]`, p.grad[i]!, numeric(q.data, i));
  });
  for (const i of pick(x.data.length, 'input')) compare(`input[${i}]`, dx.data[i]!, numeric(x64.data, i));
  return { worst, where, checked, failures };
}
