import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../src/experiment/catalog.js';
import { resolveRunConfig } from '../src/experiment/runConfig.js';
import { startRun } from '../src/experiment/runExperiment.js';
import { scratchDir } from './helpers/scratchDir.js';

const groups = [...Array.from({ length: 17 }, (_, i) => `h${i + 1}`), 'penultimate'];

test('class-incremental ResNet-18 with CBP: diagnostics for all 17 conv-output groups and the penultimate features, CBP replaces units in every group', async () => {
  const out = scratchDir('supple-resnet-units-');
  // A cut-down run: the shipped digits (8x8), two increments of two classes, ResNet-18 of width 2; CBP made eager
  // (rate 0.5, maturity 0) so that every group is due a replacement within the first steps.
  const config = resolveRunConfig(
    {
      benchmark: 'class-incremental',
      methods: ['cbp'],
      set: {
        dataset: 'digits', tasks: 2, classesPerTask: 2, examplesPerTask: 8, valPerClass: 2, epochs: 2,
        'model.arch': 'resnet18', 'model.width': 2, 'cbp.rate': 0.5, 'cbp.maturity': 0, 'probes.batchSize': 16,
      },
      seed: 1,
      backend: 'ts',
    },
    catalog(),
    '0.0.0',
  );
  const s = await startRun(config, { out, catalog: catalog() });
  assert.equal(s.status, 'complete');
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const probe = records.find((r) => 'diag/effectiveRank/h1' in r)!;
  for (const d of ['deadFraction', 'dormantFraction', 'inactiveFraction', 'linearFraction', 'featureNorm', 'effectiveRank', 'stableRank']) {
    for (const g of groups) assert.ok(Number.isFinite(probe[`diag/${d}/${g}`]), `diag/${d}/${g} is recorded`);
  }
  // The network-wide share counts each unit once, the last block's output through its pooled view (widths 2, 4, 8, 16:
  // 5 groups of 2, 4 of 4, 4 of 8, 4 of 16 units = 122).
  const perGroup = (g: string) => probe[`diag/inactiveFraction/${g}`]!;
  const sizes = [2, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16];
  const counted = [...groups.slice(0, 16), 'penultimate'];
  const expected = counted.reduce((a, g, i) => a + perGroup(g) * sizes[i]!, 0) / 122;
  assert.ok(Math.abs(probe['diag/inactiveFraction']! - expected) < 1e-12);
  const edits = readFileSync(join(out, 'edits.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; group?: string });
  const replaced = new Set(edits.filter((e) => e.kind === 'reinitUnits').map((e) => e.group));
  // CBP acts on the 17 conv-output groups (the penultimate view names h17's units, so it is not acted on twice).
  assert.deepEqual([...replaced].sort(), groups.slice(0, 17).sort());
});
