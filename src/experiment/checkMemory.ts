import { totalmem } from 'node:os';
import type { Backend } from '../backend/Backend.js';
import { ConfigError } from '../config/parseConfig.js';
import type { LayerSpec } from '../nn/LayerSpec.js';
import { estimateMemory } from '../nn/estimateMemory.js';
import type { OptimizerConfig } from '../optim/optimizerConfig.js';

const GiB = 2 ** 30;
/** WebAssembly memory is 32-bit: 65536 pages of 64 KiB, whatever the machine has. */
const WASM_LIMIT = 4 * GiB;
const gib = (b: number) => `${(b / GiB).toFixed(2)} GiB`;

/**
 * Refuse a model that cannot fit before it is built: estimate its parameters, gradients, optimizer state and
 * the buffers of its largest batch, and compare with what the backend can hold (4 GiB of WebAssembly memory
 * for wasm and native, less what the data already takes; this machine's RAM for ts). The error gives the
 * estimate, the limit and what to change.
 */
export function checkMemory(spec: LayerSpec, inputShape: readonly number[], batchSize: number, optimizer: OptimizerConfig, backend: Backend, what: string): void {
  const slots = optimizer.name !== 'sgd' || optimizer.preset === 'adam-tuned' ? 2 : optimizer.momentum > 0 ? 1 : 0;
  // Evaluation runs at the training batch size, or at 256 for single-example training.
  const batch = batchSize > 1 ? batchSize : 256;
  const e = estimateMemory(spec, inputShape, batch, slots);
  const wasm = (backend as { memory?: { used: number } }).memory;
  const limit = wasm ? WASM_LIMIT - wasm.used : totalmem();
  if (e.totalBytes <= limit) return;
  throw new ConfigError('model', [
    `${what} needs about ${gib(e.totalBytes)} before it trains: ${e.parameters.toLocaleString('en-US')} parameters (${gib(e.parameterBytes)} with gradients and optimizer state) ` +
      `and ${gib(e.activationBytes)} of layer buffers at batch size ${batch}; ` +
      (wasm
        ? `the ${backend.name} backend holds at most 4 GiB of WebAssembly memory (${gib(WASM_LIMIT - limit)} already hold the data). `
        : `this machine has ${gib(limit)} of memory. `) +
      `Lower the batch size (--set batchSize=...) or the model (model.width, model.hidden)${wasm ? ', or use --backend ts (not bound by the 4 GiB; slower)' : ''}; ` +
      `--set run.checkMemory=false skips this estimate`,
  ]);
}
