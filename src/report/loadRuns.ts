import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isRunFolder, readRunFolder, type RunData } from './RunFolder.js';
import { groupConditions, type Condition } from './groupConditions.js';

/** Run folders read and grouped into conditions. */
export interface LoadedRuns {
  readonly runs: readonly RunData[];
  /** Ordered; each with its label and color. */
  readonly conditions: readonly Condition[];
  /** Problems met (partial lines, missing summaries, duplicate seeds); the report shows them. */
  readonly warnings: readonly string[];
}

/**
 * Read run folders, or sweep folders holding run folders (1 or 2 levels down), and group them into conditions.
 * Throws, naming the path, for a path that does not exist or holds no run.
 */
export async function loadRuns(paths: readonly string[]): Promise<LoadedRuns> {
  if (paths.length === 0) throw new Error('no run folders given: pass run folders or a sweep folder');
  const folders = await findRunFolders(paths);
  const runs: RunData[] = [];
  const warnings: string[] = [];
  for (const f of folders) {
    const r = await readRunFolder(f);
    runs.push(r);
    warnings.push(...r.warnings);
  }
  const conditions = groupConditions(runs, warnings);
  const benchmarks = [...new Set(runs.map((r) => JSON.stringify((r.config.benchmark as { name?: unknown } | undefined)?.name ?? null)))];
  if (benchmarks.length > 1) warnings.push(`the runs come from ${benchmarks.length} benchmarks (${benchmarks.join(', ')}): their curves share figures; report them separately to compare like with like`);
  for (const c of conditions) {
    for (const r of c.runs.filter((x) => x.summary?.status === 'diverged')) {
      const d = r.summary?.diverged as { step?: number; key?: string; value?: string } | undefined;
      warnings.push(`${c.label}: DIVERGED at step ${d?.step ?? '?'} (${d?.key ?? '?'} = ${d?.value ?? '?'}): ${r.path}; its curves stop there`);
    }
    const open = c.runs.filter((r) => r.summary?.status !== 'complete' && r.summary?.status !== 'diverged');
    if (open.length) warnings.push(`${c.label}: ${open.length} of ${c.runs.length} runs have no complete summary.json (still running, stopped or killed): ${open.map((r) => r.path).join(', ')}`);
  }
  return { runs, conditions, warnings };
}

/** The run folders under the given paths, each once, in a stable order. */
export async function findRunFolders(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = async (p: string) => {
    const real = await realpath(p);
    if (!seen.has(real)) {
      seen.add(real);
      out.push(resolve(p));
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    const s = await stat(abs).catch(() => null);
    if (!s) throw new Error(`no such folder: ${abs}`);
    if (!s.isDirectory()) throw new Error(`not a folder: ${abs} (give run folders or a sweep folder)`);
    if (await isRunFolder(abs)) {
      await add(abs);
      continue;
    }
    const found: string[] = [];
    for (const child of await subfolders(abs)) {
      if (await isRunFolder(child)) found.push(child);
      else for (const grandchild of await subfolders(child)) if (await isRunFolder(grandchild)) found.push(grandchild);
    }
    if (found.length === 0) throw new Error(`not a run folder (no config.json) and no run folders inside it (searched 2 levels down): ${abs}`);
    for (const f of found) await add(f);
  }
  return out;
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'checkpoint' && e.name !== 'node_modules')
    .map((e) => join(dir, e.name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
