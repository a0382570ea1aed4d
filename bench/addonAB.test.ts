import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeAddon, nativeAddonPath } from '../src/backend/native/nativeBackend.js';
import { compareAddons } from './addonAB.js';

const skip = nativeAddon() ? false : 'the native addon is not built (npm run build:native)';

// The same build on both sides (a copy: a process loads one file once): the same bits, and timings of both.
test('addonAB compares two builds of the addon in one process and reports whether they wrote the same bits', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'supple-ab-'));
  try {
    const copy = join(dir, 'copy.node');
    copyFileSync(nativeAddonPath, copy);
    for (const kernel of ['linearForward1', 'linearBackward1'] as const) {
      const r = compareAddons({ a: nativeAddonPath, b: copy, kernel, out: 37, inp: 301, rounds: 5, calls: 3 });
      assert.equal(r.sameBits, true, kernel);
      assert.ok(r.aMicros > 0 && r.bMicros > 0, JSON.stringify(r));
      assert.ok(r.bFaster >= 0 && r.bFaster <= 5);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('addonAB names the allowed kernels and sizes when given others', { skip }, () => {
  assert.throws(() => compareAddons({ a: nativeAddonPath, b: nativeAddonPath, kernel: 'gemm' as 'linearForward1', out: 4, inp: 4, rounds: 1, calls: 1 }), /--kernel gemm: allowed linearForward1, linearBackward1/);
  assert.throws(() => compareAddons({ a: nativeAddonPath, b: nativeAddonPath, kernel: 'linearForward1', out: 0, inp: 4, rounds: 1, calls: 1 }), /out = 0: allowed a positive integer/);
});
