import type { Model, ModelState } from './Model.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

/**
 * supple's parameter and buffer names as PyTorch spells them in a state_dict: normalization gain and shift are
 * `weight` and `bias`, BatchNorm's running statistics `running_mean` / `running_var` (with
 * `num_batches_tracked`), and a spectrally normalized weight is torch.nn.utils.spectral_norm's `weight_orig`
 * with its power-iteration vectors `weight_u` / `weight_v`. Linear weights are [out, in] and conv kernels
 * [outC, inC, kH, kW] in both, so data is copied as it is.
 */
export function torchName(name: string, spectral: ReadonlySet<string>): string {
  const dot = name.lastIndexOf('.');
  const layer = name.slice(0, dot);
  const leaf = name.slice(dot + 1);
  switch (leaf) {
    case 'gain':
      return `${layer}.weight`;
    case 'shift':
      return `${layer}.bias`;
    case 'runningMean':
      return `${layer}.running_mean`;
    case 'runningVar':
      return `${layer}.running_var`;
    case 'spectralU':
      return `${layer}.weight_u`;
    case 'spectralV':
      return `${layer}.weight_v`;
    case 'weight':
      return spectral.has(layer) ? `${layer}.weight_orig` : name;
    default:
      return name;
  }
}

const spectralLayers = (s: ModelState) => new Set(Object.keys(s.buffers).filter((b) => b.endsWith('.spectralU')).map((b) => b.slice(0, -'.spectralU'.length)));

/** A model state as a PyTorch state_dict of float32 tensors (plus BatchNorm's int64 batch counters). */
export function stateToTorchTensors(s: ModelState): Record<string, SafeTensor> {
  const spectral = spectralLayers(s);
  const out: Record<string, SafeTensor> = {};
  const put = (name: string, t: SafeTensor) => {
    if (out[name]) throw new Error(`safetensors export: two tensors map to '${name}'`);
    out[name] = t;
  };
  for (const [name, p] of Object.entries(s.params)) put(torchName(name, spectral), { dtype: 'F32', shape: p.shape, data: Float32Array.from(p.data) });
  for (const [name, b] of Object.entries(s.buffers)) {
    put(torchName(name, spectral), { dtype: 'F32', shape: [b.length], data: Float32Array.from(b) });
    if (name.endsWith('.runningMean')) put(`${name.slice(0, -'.runningMean'.length)}.num_batches_tracked`, { dtype: 'I64', shape: [], data: new BigInt64Array(1) });
  }
  return out;
}

/** Write a model state as a safetensors file's bytes; `metadata` goes in its `__metadata__` (strings). */
export function modelStateToSafetensors(s: ModelState, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  return encodeSafetensors(stateToTorchTensors(s), { format: 'pt', ...metadata });
}

/**
 * Load weights from a safetensors file (supple's export, or a PyTorch state_dict saved with
 * `safetensors.torch.save_file`) into a model built from the same architecture. Every parameter and buffer of
 * the model must be there with its shape; extra tensors (`num_batches_tracked`) are ignored. Throws naming what
 * is missing or of the wrong shape.
 */
export function loadSafetensorsInto(model: Model, bytes: Uint8Array): { loaded: number } {
  const { tensors } = decodeSafetensors(bytes);
  const state = model.getState();
  const spectral = spectralLayers(state);
  const problems: string[] = [];
  const take = (name: string, shape: readonly number[]): Float32Array | null => {
    const t = tensors[torchName(name, spectral)] ?? tensors[name];
    if (!t) {
      problems.push(`'${torchName(name, spectral)}' is missing`);
      return null;
    }
    if (t.dtype !== 'F32' && t.dtype !== 'F64') {
      problems.push(`'${torchName(name, spectral)}' is ${t.dtype}, not a float tensor`);
      return null;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    // Buffers are flat in supple; parameters must match shape exactly.
    if (t.data.length !== n || (shape.length > 1 && t.shape.join(',') !== shape.join(','))) {
      problems.push(`'${torchName(name, spectral)}' has shape [${t.shape.join(', ')}], the model [${shape.join(', ')}]`);
      return null;
    }
    return Float32Array.from(t.data as Float32Array | Float64Array);
  };
  let loaded = 0;
  for (const [name, p] of Object.entries(state.params)) {
    const d = take(name, p.shape);
    if (d) {
      p.data.set(d);
      loaded++;
    }
  }
  for (const [name, b] of Object.entries(state.buffers)) {
    const d = take(name, [b.length]);
    if (d) {
      b.set(d);
      loaded++;
    }
  }
  if (problems.length) throw new Error(`safetensors import: ${problems.join('; ')}`);
  model.setState(state);
  return { loaded };
}
