import { join } from 'node:path';
import type { Catalog, RunRequest } from '../experiment/runConfig.js';
import { presetBenchmark } from '../experiment/Preset.js';
import type { RunSummary } from '../experiment/runExperiment.js';
import { isRlRunFolder, resolveRlRunConfig, resumeRlRun, startRlRun, type RlCatalog, type RlProgress } from '../experiment/runRl.js';
import { rlBenchmarkRegistry } from '../rl/rlBenchmarks.js';
import { duration } from './ProgressBar.js';
import { version } from '../version.js';

/** The catalog with the RL benchmarks (the CLI's catalog has them; a hand-made one gets the built-in registry). */
export function rlCatalogOf(catalog: Catalog): RlCatalog {
  return { ...catalog, rlBenchmarks: (catalog as Partial<RlCatalog>).rlBenchmarks ?? rlBenchmarkRegistry };
}

/** True when `supple run` with this benchmark / preset (and condition) / --resume folder is an RL run. */
export function isRlRequest(catalog: Catalog, benchmark: string | undefined, preset: string | undefined, resume: string | undefined, condition?: string): boolean {
  if (resume !== undefined) return isRlRunFolder(resume);
  const name = benchmark ?? (preset !== undefined && catalog.presets.has(preset) ? presetBenchmark(catalog.presets.get(preset), condition) : undefined);
  return name !== undefined && rlCatalogOf(catalog).rlBenchmarks.has(name);
}

/** One progress line about every 5 s (and at the end): steps, iteration, mean of the last episode returns, SPS. */
function progressPrinter(): (p: RlProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 5000 && p.iteration < p.iterations) return;
    last = now;
    const ret = p.latest['episode/return'];
    const sps = p.latest.sps;
    process.stderr.write(
      `step ${p.step.toLocaleString('en-US')}/${p.totalSteps.toLocaleString('en-US')} (iteration ${p.iteration}/${p.iterations}, task ${p.task})` +
        `${ret !== undefined ? `, last episode return ${ret.toFixed(1)}` : ''}${sps !== undefined ? `, ${Math.round(sps).toLocaleString('en-US')} steps/s` : ''}, ${duration(p.seconds)}\n`,
    );
  };
}

/** `supple run` for an RL benchmark (or --resume of an RL run): returns the summary and the run folder. */
export async function runRlCommand(req: RunRequest & { out?: string; resume?: string }, catalog: Catalog, shouldStop: () => boolean): Promise<{ summary: RunSummary; out: string }> {
  const cat = rlCatalogOf(catalog);
  const onProgress = progressPrinter();
  // As `supple run` of a supervised benchmark (runCommand.ts): a log repaired on resume is said on stderr.
  const onNotice = (m: string) => process.stderr.write(`${m}\n`);
  if (req.resume !== undefined) return { summary: await resumeRlRun({ out: req.resume, catalog: cat, shouldStop, onProgress, onNotice }), out: req.resume };
  const config = resolveRlRunConfig(req, cat, version);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const out = req.out ?? join('runs', `${config.benchmark.name}-${config.label ?? config.methods.map((m) => m.name).join('+')}-s${config.seed}-${stamp}`);
  const summary = await startRlRun(config, {
    out,
    catalog: cat,
    shouldStop,
    onProgress,
    onNotice,
    onStart: ({ config: c, agent }) =>
      process.stderr.write(
        'policy' in agent
          ? `supple ${version}: ${c.benchmark.name} (${agent.numEnvs} envs, ${String(c.benchmark.steps)} steps) PPO with ${c.methods.map((m) => m.name).join('+')} on both nets, ` +
              `${agent.policy.model.size.toLocaleString('en-US')} + ${agent.value.model.size.toLocaleString('en-US')} parameters, lr ${c.agent.lr}, seed ${c.seed}, backend ${c.backend}\nrun folder: ${out}\n`
          : `supple ${version}: ${c.benchmark.name} (${agent.numEnvs} envs, ${String(c.benchmark.steps)} steps) DQN with ${c.methods.map((m) => m.name).join('+')}, ` +
              `${agent.q.model.size.toLocaleString('en-US')} parameters (Q-network; a target copy), lr ${c.agent.lr}, seed ${c.seed}, backend ${c.backend}\nrun folder: ${out}\n`,
      ),
  });
  return { summary, out };
}
