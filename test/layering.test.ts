// The floors of the house (the architecture's layering, with rl/): no file imports from a floor above its own, so
// that methods and diagnostics serve the supervised loop and the RL loops without knowing either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Floors from the ground up; a file's floor is the first prefix (of its path under src/) that matches. */
const floors: ReadonlyArray<readonly string[]> = [
  ['backend/', 'tensor/', 'config/', 'version.ts', 'types/'],
  ['nn/', 'losses/'],
  ['optim/'],
  ['learn/'],
  ['methods/', 'diagnostics/', 'benchmarks/', 'rl/envs/'],
  ['rl/', 'experiment/'],
  ['report/', 'serve/', 'export/', 'cluster/'],
  ['cli/', 'catalog.ts', 'index.ts'],
];

export function floorOf(path: string): number {
  for (let f = 0; f < floors.length; f++) if (floors[f]!.some((p) => path === p || path.startsWith(p))) return f;
  throw new Error(`${path} is on no floor: add its folder to the floors in test/layering.test.ts`);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'assembly' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative module specifiers of a file's static and dynamic imports and re-exports. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (let m: RegExpExecArray | null; (m = re.exec(text)) !== null; ) out.push((m[1] ?? m[2])!);
  return out;
}

test('no file under src/ imports from a higher floor (backend, tensor, config -> nn, losses -> optim -> learn -> methods, diagnostics, benchmarks, rl/envs -> rl, experiment -> report, serve -> cli)', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const file of sources(src)) {
    const from = relative(src, file);
    const f = floorOf(from);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue;
      checked++;
      const t = floorOf(target);
      if (t > f) problems.push(`${from} (floor ${f}) imports ${target} (floor ${t})`);
      if (from.startsWith('benchmarks/') && /^(nn\/modelConfig|optim\/optimizerConfig)\.ts$/.test(target)) problems.push(`${from} imports the ${target} config: benchmarks give defaults as plain settings`);
    }
  }
  assert.ok(checked > 300, `only ${checked} imports were read: the scanner is broken`);
  assert.deepEqual(problems, []);
});

test('the import check itself: an upward import and an unknown folder are caught', () => {
  assert.equal(floorOf('methods/cbp.ts'), floorOf('diagnostics/ProbeRunner.ts'));
  assert.ok(floorOf('experiment/runExperiment.ts') > floorOf('methods/cbp.ts'));
  assert.ok(floorOf('rl/ppo.ts') > floorOf('rl/envs/Env.ts'));
  assert.throws(() => floorOf('newroom/x.ts'), /is on no floor/);
  assert.deepEqual(importsOf("import { a } from './a.js';\nexport type { B } from '../b/B.js';\nconst m = await import('./c.js');\nimport x from 'zod';"), ['./a.js', '../b/B.js', './c.js']);
});
