// One engine row (bench/engine.ts) in a process of its own, for a row that runs at a setting the environment fixes
// when the process starts (bench/blasCore.ts: OpenBLAS reads OPENBLAS_CORETYPE as it loads). Prints the row's
// EngineResult as one JSON line.
// Usage: node --expose-gc dist/bench/engineChild.js --workload conv-b128 --backend native [--seconds 3]
//   [--heap-warmup-steps auto] [--resnet-width 32] [--readings 1]
import { getBackend } from '../src/backend/selectBackend.js';
import { engineWorkloads, runEngineWorkload } from './engine.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const name = opt('--workload', '');
const w = engineWorkloads(Number(opt('--resnet-width', '32'))).find((x) => x.name === name);
if (!w) throw new Error(`engineChild: --workload '${name}' is not an engine workload; allowed: ${engineWorkloads(32).map((x) => x.name).join(', ')}`);
const warm = opt('--heap-warmup-steps', 'auto');
const r = await runEngineWorkload(w, getBackend(opt('--backend', 'wasm')), Number(opt('--seconds', '3')), warm === 'auto' ? 'auto' : Number(warm), Number(opt('--readings', '1')));
console.log(JSON.stringify(r));
