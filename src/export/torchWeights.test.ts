import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '../backend/selectBackend.js';
import { Model } from '../nn/Model.js';
import { convNet } from '../nn/models/convNet.js';
import { mlp } from '../nn/models/mlp.js';
import { Rng } from '../tensor/Rng.js';
import { Tensor } from '../tensor/Tensor.js';
import { decodeSafetensors, encodeSafetensors } from '../nn/safetensors.js';
import { loadSafetensorsInto, modelStateToSafetensors } from '../nn/torchWeights.js';
import { torchModuleSource } from './torchModule.js';

const backend = getBackend('ts');
const python = '/usr/bin/python3';
const torchMissing = !existsSync(python)
  ? `${python} is missing`
  : spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0 ? `${python} has no torch (apt-get install python3-torch)` : false;

const cases = [
  { name: 'mlp with layer norm', spec: mlp({ hidden: [6, 5], outputs: 3, layerNorm: true }), input: [7] },
  { name: 'conv-net', spec: convNet({ outputs: 3, channels: [4, 5], kernels: [3, 3], dense: [6] }), input: [3, 12, 12] },
];

function batch(shape: readonly number[], n: number, seed: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Tensor(backend.alloc(n * size), [n, ...shape]);
  const r = Rng.seeded(seed);
  for (let i = 0; i < x.data.length; i++) x.data[i] = r.normal();
  return x;
}

test('safetensors: header layout, 8-byte alignment, round trip, metadata', () => {
  const bytes = encodeSafetensors({ b: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) }, a: { dtype: 'I64', shape: [], data: BigInt64Array.of(5n) } }, { format: 'pt' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
  assert.deepEqual(head.a!.data_offsets, [0, 8]);
  assert.deepEqual(head.b!.data_offsets, [8, 16]);
  const back = decodeSafetensors(bytes);
  assert.deepEqual([...back.tensors.b!.data], [1, 2]);
  assert.equal(back.metadata.format, 'pt');
  assert.throws(() => decodeSafetensors(bytes.subarray(0, 20)), /header says/);
});

test('safetensors import: weights written from one model load into another of the same architecture', () => {
  for (const c of cases) {
    const a = Model.build(c.spec, { inputShape: c.input, backend, rng: Rng.seeded(1) });
    const b = Model.build(c.spec, { inputShape: c.input, backend, rng: Rng.seeded(2) });
    const x = batch(c.input, 4, 3);
    const ya = Float32Array.from(a.forward(x, false).data);
    assert.notDeepEqual([...b.forward(x, false).data], [...ya]);
    loadSafetensorsInto(b, modelStateToSafetensors(a.getState()));
    assert.deepEqual([...b.forward(x, false).data], [...ya], c.name);
    const other = Model.build(mlp({ hidden: [9], outputs: 3 }), { inputShape: [7], backend, rng: Rng.seeded(1) });
    if (c.input.length === 1) assert.throws(() => loadSafetensorsInto(other, modelStateToSafetensors(a.getState())), /'fc1.weight' has shape \[6, 7\], the model \[9, 7\]/);
  }
});

// Read with safetensors.torch.load_file where installed, else by the documented layout (u64 header length, JSON header, raw data).
const pyCheck = `
import json, struct, sys, importlib.util
import torch
folder = sys.argv[1]
spec = importlib.util.spec_from_file_location('m', folder + '/model.py')
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
path = folder + '/model.safetensors'
try:
    from safetensors.torch import load_file
    state, how = load_file(path), 'safetensors.torch.load_file'
except ImportError:
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    dtypes = {'F32': torch.float32, 'I64': torch.int64}
    state = {}
    for name, t in header.items():
        b, e = t['data_offsets']
        state[name] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=dtypes[t['dtype']]).reshape(t['shape'])
    how = 'header layout'
net = mod.SuppleModel()
net.load_state_dict(state, strict=True)
net.eval()
x = torch.tensor(json.load(open(folder + '/x.json')))
want = torch.tensor(json.load(open(folder + '/y.json')))
with torch.no_grad():
    y = net(x)
print(json.dumps({'how': how, 'maxdiff': float((y - want).abs().max()), 'names': sorted(state.keys())}))
`;
import { scratchDir } from '../../test/helpers/scratchDir.js';

test('safetensors export: PyTorch loads it into the equivalent torch.nn model, with the same outputs on a batch', { skip: torchMissing }, () => {
  for (const c of cases) {
    const dir = scratchDir('supple-torch-');
    const m = Model.build(c.spec, { inputShape: c.input, backend, rng: Rng.seeded(5) });
    const x = batch(c.input, 5, 6);
    const y = m.forward(x, false);
    writeFileSync(join(dir, 'model.safetensors'), modelStateToSafetensors(m.getState()));
    writeFileSync(join(dir, 'model.py'), torchModuleSource(m));
    const nested = (t: Tensor) => {
      const per = t.data.length / t.shape[0]!;
      return Array.from({ length: t.shape[0]! }, (_, i) => Array.from(t.data.subarray(i * per, (i + 1) * per)));
    };
    writeFileSync(join(dir, 'x.json'), JSON.stringify(nested(x).map((row) => (c.input.length === 1 ? row : reshape(row, c.input)))));
    writeFileSync(join(dir, 'y.json'), JSON.stringify(nested(y)));
    writeFileSync(join(dir, 'check.py'), pyCheck);
    const p = spawnSync(python, [join(dir, 'check.py'), dir], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const r = JSON.parse(p.stdout.trim().split('\n').pop()!) as { how: string; maxdiff: number; names: string[] };
    console.log(`${c.name}: read by ${r.how}, max |torch - supple| = ${r.maxdiff}`);
    assert.ok(r.maxdiff < 1e-5, `${c.name}: outputs differ by ${r.maxdiff}`);
    assert.ok(r.names.includes('fc1.weight'));
    if (c.input.length === 3) assert.ok(r.names.includes('conv1.weight'));
    else assert.ok(r.names.includes('ln1.weight') && r.names.includes('ln1.bias'));
  }
});

function reshape(flat: number[], shape: readonly number[]): unknown {
  if (shape.length === 1) return flat;
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => reshape(flat.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}
