// The code of the README's API tour, run as a test so that the README cannot drift from the API: the README's
// block must equal the code between the tour markers below (the run folder's path aside).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getBackend, Model, mlp, Learner, sgd, crossEntropy, Rng, Tensor, applyEdits, createMethods, effectiveRank,
  resolveRunConfig, startRun,
} from '../src/index.js';
import { scratchDir } from './helpers/scratchDir.js';

const here = dirname(fileURLToPath(import.meta.url));
const runsDir = scratchDir('tour-');

test('README tour', async () => {
  // --- tour start ---
  const backend = getBackend(); // native (OpenBLAS), else wasm (SIMD), else ts: SUPPLE_BACKEND picks one
  const model = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(0) });
  const learner = new Learner({ model, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });

  // Batches live in backend memory; a step is forward, loss, backward and the update (SGD fused into backward).
  const x = new Tensor(backend.alloc(784), [1, 784]);
  const y = backend.alloc(1);
  x.data.fill(0.5);
  y[0] = 3;
  const { sum: loss, correct } = learner.trainStep(x, y); // summed loss, how many were right

  // Units: a dense row or a conv channel, with everything that belongs to it.
  console.log(model.unitGroups.map((g) => `${g.name}: ${g.size} units of ${g.producer.name}, read by ${g.consumer.name}`));
  // Methods never touch the model: they return edits, and applyEdits carries them out on the parameters and on
  // every optimizer slot of exactly those units.
  applyEdits([{ kind: 'reinitUnits', group: 'h1', units: [7], outgoing: 'zero' }], { model, states: [learner.optState] }, Rng.seeded(1));

  // Plasticity methods, from their configs (as config.json holds them): typed hooks (afterUpdate, atTaskBoundary,
  // atDataGrowth) that return edits. Methods that change the loss (l2, l2-init) are applied by the learner from
  // their creation on, so your own loop trains with them as `supple run` does.
  const methods = createMethods([{ name: 'cbp', rate: 1e-4, maturity: 100 }, { name: 'l2', coef: 0.05 }], { model, learner, backend, rng: Rng.seeded(2) });
  const norm = () => model.params.filter((p) => p.role === 'weight').reduce((s, p) => s + backend.sumSquares(p.data), 0);
  const before = norm();
  for (let step = 1; step <= 200; step++) {
    const value = learner.trainStep(x, y);
    for (const m of methods) {
      const edits = m.instance.afterUpdate?.({ step, task: 0, batch: { x, y }, loss: value, taskData: { batchSize: 1, probe: () => ({ x, y }) } });
      if (edits?.length) applyEdits(edits, { model, states: [learner.optState, m.instance.state] }, m.rng);
    }
  }
  console.log(`sum of squared weights: ${before.toFixed(1)} -> ${norm().toFixed(1)} (weight decay 0.05)`);

  // Diagnostics are pure functions of the model and a probe batch.
  const probe = new Tensor(backend.alloc(64 * 784), [64, 784]);
  Rng.seeded(3).fillUniform(probe.data, 0, 1);
  const ranks = effectiveRank.compute({ model, learner, backend, probe: { x: probe, y: backend.alloc(64) }, initial: [], rng: Rng.seeded(4) }, {});

  // A whole run, as `supple run permuted-mnist --set dataset=digits --set tasks=3 --method cbp` does it.
  const config = resolveRunConfig({ benchmark: 'permuted-mnist', methods: ['cbp'], set: { dataset: 'digits', tasks: 3 } });
  const summary = await startRun(config, { out: `${runsDir}/tour` });
  // --- tour end ---
  assert.ok(Number.isFinite(loss) && correct >= 0);
  assert.deepEqual(model.unitGroups.map((g) => g.name), ['h1', 'h2', 'h3']);
  assert.equal(typeof methods[0]!.instance.afterUpdate, 'function');
  // The hand-written loop trained with l2: 200 steps of weight decay 0.05 at lr 0.003 shrink the weights by about
  // (1 - 0.003 * 0.05)^400 = 0.94 in squared norm; without it the same steps leave them where they were.
  const after = norm();
  assert.ok(after < 0.96 * before, `the weights did not shrink: ${before} -> ${after}`);
  assert.ok(after > 0.9 * before, `the weights shrank more than weight decay explains: ${before} -> ${after}`);
  const twin = Model.build(mlp({ hidden: [100, 100, 100], outputs: 10 }), { inputShape: [784], backend, rng: Rng.seeded(0) });
  const plain = new Learner({ model: twin, optimizer: sgd({ lr: 0.003 }), loss: crossEntropy });
  const twinNorm = () => twin.params.filter((p) => p.role === 'weight').reduce((s, p) => s + backend.sumSquares(p.data), 0);
  const twinBefore = twinNorm();
  for (let i = 0; i < 201; i++) plain.trainStep(x, y);
  assert.ok(twinNorm() > 0.99 * twinBefore, 'without l2 the same steps keep the weights');
  assert.ok(ranks['diag/effectiveRank/h1']! > 1);
  assert.equal(summary.status, 'complete');
});

test("the README's tour is this test's code", () => {
  const readme = readFileSync(join(here, '..', '..', 'README.md'), 'utf8');
  const block = /## A tour of the API[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README has a tour block');
  const source = readFileSync(join(here, '..', '..', 'test', 'readmeTour.test.ts'), 'utf8');
  const tour = /\/\/ --- tour start ---\n([\s\S]*?)\n\s*\/\/ --- tour end ---/.exec(source)![1]!;
  const normalize = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('import ') && !l.includes("from 'supple'") && !/^[A-Za-z, ]+$/.test(l)).join('\n');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the test's run folder, written as a template literal in the tour
  const code = normalize(tour.replace('`${runsDir}/tour`', "'runs/tour'"));
  assert.equal(normalize(block), code);
});
