import type { Layer } from '../nn/Layer.js';
import type { Model } from '../nn/Model.js';

/** One row of a model summary (like torchinfo): a layer, its output shape per example and its parameters. */
export interface LayerRow {
  readonly name: string;
  readonly type: string;
  readonly depth: number;
  readonly outShape: readonly number[];
  /** Parameters of this layer itself (not of its children). */
  readonly params: number;
  readonly trainable: number;
}

/** A model summary: layers, unit groups, totals and a memory estimate for a batch. */
export interface ModelSummary {
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerRow[];
  readonly unitGroups: ReadonlyArray<{ name: string; kind: string; units: number; producer: string; features: string }>;
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly batchSize: number;
  /** Bytes, float32: parameters, their gradients, optimizer slots, activations kept for backward at this batch size. */
  readonly memory: { params: number; grads: number; optimizer: number; activations: number; total: number };
}

/**
 * Summarize a model: every layer depth first with its output shape and parameter count, the unit groups, and an
 * estimate of memory for training at `batchSize` with `optimizerSlots` float32 slots per parameter (Adam 2, SGD
 * with momentum 1). Activations count each leaf layer's output and its gradient once per example.
 */
export function modelSummary(model: Model, batchSize: number, optimizerSlots: number): ModelSummary {
  const layers: LayerRow[] = [];
  let activations = 0;
  const walk = (l: Layer, depth: number) => {
    const own = l.children.length ? [] : l.params;
    const n = own.reduce((s, p) => s + p.data.length, 0);
    layers.push({ name: l.name, type: l.type, depth, outShape: [...l.outShape], params: n, trainable: own.filter((p) => p.trainable).reduce((s, p) => s + p.data.length, 0) });
    if (l.children.length === 0) activations += l.outShape.reduce((a, b) => a * b, 1);
    for (const c of l.children) walk(c, depth + 1);
  };
  for (const c of model.root.children) walk(c, 0);
  const totalParams = model.size;
  const trainableParams = model.params.filter((p) => p.trainable).reduce((s, p) => s + p.data.length, 0);
  const params = totalParams * 4;
  const grads = trainableParams * 4;
  const optimizer = trainableParams * 4 * optimizerSlots;
  const act = activations * batchSize * 4 * 2;
  return {
    inputShape: [...model.inputShape],
    layers,
    unitGroups: model.unitGroups.map((g) => ({ name: g.name, kind: g.kind, units: g.size, producer: g.producer.name, features: g.features.name })),
    totalParams,
    trainableParams,
    batchSize,
    memory: { params, grads, optimizer, activations: act, total: params + grads + optimizer + act },
  };
}

const bytes = (b: number) => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(2)} GiB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** The summary as a text table (torchinfo style). */
export function formatModelSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [`${'  '.repeat(l.depth)}${l.name} (${l.type})`, `[${['N', ...l.outShape].join(', ')}]`, l.params ? l.params.toLocaleString('en-US') : '--']);
  const head = ['Layer (type)', 'Output shape', 'Params'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padStart(w[2]!)}`;
  const rule = '='.repeat(w[0]! + w[1]! + w[2]! + 4);
  const out = [rule, line(head), rule, `${'input'.padEnd(w[0]!)}  [${['N', ...s.inputShape].join(', ')}]`, ...rows.map(line), rule];
  out.push(`Total params: ${s.totalParams.toLocaleString('en-US')}`, `Trainable params: ${s.trainableParams.toLocaleString('en-US')}`);
  out.push(`Unit groups: ${s.unitGroups.length ? s.unitGroups.map((g) => `${g.name} (${g.kind}, ${g.units} units: ${g.producer} -> ${g.features})`).join(', ') : '(none)'}`);
  const m = s.memory;
  out.push(`Memory estimate (float32, batch ${s.batchSize}): params ${bytes(m.params)}, grads ${bytes(m.grads)}, optimizer ${bytes(m.optimizer)}, activations ${bytes(m.activations)}; total ${bytes(m.total)}`);
  out.push(rule);
  return out.join('\n');
}
