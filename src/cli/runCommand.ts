import { parseArgs } from 'node:util';
import { join, relative, resolve } from 'node:path';
import type { Catalog, RunConfig } from '../experiment/runConfig.js';
import { resolveRunConfig } from '../experiment/runConfig.js';
import { parseSetting, type Settings } from '../experiment/settings.js';
import { resumeRun, startRun, type RunSummary } from '../experiment/runExperiment.js';
import { UsageError } from '../config/UsageError.js';
import { EXIT, exitCodesHelp } from './exitCodes.js';
import { ProgressBar, duration } from './ProgressBar.js';
import { StopSignals } from './StopSignals.js';
import { isRlRequest, rlCatalogOf, runRlCommand } from './rlRunCommand.js';
import { resolveRlRunConfig } from '../experiment/runRl.js';
import { version } from '../version.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getBackend } from '../backend/selectBackend.js';
import { collectProvenance } from '../experiment/provenance.js';
import { readRunFile } from '../experiment/runFile.js';
import { describeRun } from '../experiment/describeRun.js';
import { formatModelSummary } from '../experiment/modelSummary.js';
import { TensorBoardWriter } from '../export/TensorBoardWriter.js';
import { expandSetArgs, isCI } from './argvHelpers.js';

export const runUsage = `supple run [<benchmark>] [options]

Train on a benchmark with one or more plasticity methods and record everything in a run folder
(config.json, metrics.jsonl, edits.jsonl, summary.json, checkpoint/).

Options:
  --method m[+m2]     methods to apply (default bp); combine with +, e.g. cbp+l2
  --set key=value ... settings (several after one --set, or repeat it): benchmark options (tasks=3),
                      method.<field>, method.<name>.<field>, model.<field>, optimizer.<field>, probes.<field>, run.<field>
  --config FILE       a YAML or JSON file: benchmark, preset, condition, methods, set, seed, backend, dataDir,
                      label, out (a sweep file's base); flags override it, --set adds to its set
  --dry-run           print the resolved config and a model summary (layers, shapes, parameters, unit groups,
                      memory estimate), then stop; the same as 'supple describe'
  --weights FILE      start from these weights (safetensors with PyTorch names, e.g. from supple export)
  --log-to tensorboard  also write TensorBoard event files live to <out>/tensorboard (tensorboard --logdir runs)
  --json              print the final summary (or with --dry-run, the description) as JSON on stdout
  --preset NAME       start from a preset that reproduces a paper (supple list presets)
  --condition LABEL   one arm of the preset's comparison (its methods and settings), e.g. cbp
  --seed N            random seed (default 0)
  --out DIR           run folder (default runs/<benchmark>-<methods>-s<seed>-<time>)
  --backend B         auto | wasm | native | ts (default: SUPPLE_BACKEND, else the fastest available)
  --data-dir DIR      read data sets from this folder first (or SUPPLE_DATA_DIR)
  --dataset NAME=PATH your own labelled images for any image benchmark (then --set dataset=NAME): a folder
                      of class folders of PNG/JPEG (optionally train/ and test/), an .npz (x_train, y_train,
                      x_test, y_test), a CSV (label, pixels...) or images.npy,labels.npy (repeatable)
  --resume DIR        continue a stopped or crashed run exactly where its last checkpoint left it
                      (with --data-dir when its data set was missing)
  --label TEXT        a name for this run in reports
  --quiet             plain progress lines instead of a progress bar
  --no-report         do not write the run's report (<out>/report/index.html) at the end
  -h, --help          this text; 'supple run <benchmark> --help' lists that benchmark's options

Ctrl-C or SIGTERM stops cleanly after the current step with a checkpoint (a third signal quits at once):
what was recorded stays and --resume continues. A run folder is locked while a process writes it.
A NaN or infinite loss or parameter stops the run as diverged (run.checkFinite=false turns the check off).
${exitCodesHelp}`;

const runFlags = {
  method: { type: 'string' },
  set: { type: 'string', multiple: true },
  preset: { type: 'string' },
  condition: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  'data-dir': { type: 'string' },
  resume: { type: 'string' },
  label: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  'no-report': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  config: { type: 'string' },
  dataset: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean', default: false },
  weights: { type: 'string' },
  'log-to': { type: 'string', multiple: true },
  json: { type: 'boolean', default: false },
} as const;

/** The flags of `supple run`, parsed; an unknown or malformed flag is a usage error. */
function parseRunArgs(argv: string[]) {
  try {
    return parseArgs({ args: expandSetArgs(argv), allowPositionals: true, strict: true, options: runFlags });
  } catch (e) {
    throw new UsageError(`supple run: ${(e as Error).message} (supple run --help)`);
  }
}

export async function runCommand(argv: string[], catalog: Catalog, describe: (benchmark: string) => string): Promise<number> {
  const { values, positionals } = parseRunArgs(argv);
  for (const l of values['log-to'] ?? []) if (l !== 'tensorboard') throw new UsageError(`--log-to ${l}: not allowed; tensorboard (supple export writes the other formats after a run)`);
  if (positionals.length > 1) throw new UsageError(`supple run: one benchmark at a time (got ${positionals.join(', ')})`);
  if (values.help) {
    console.log(positionals[0] ? describe(positionals[0]) : runUsage);
    return EXIT.ok;
  }
  const interactive = !values.quiet && process.stderr.isTTY === true && !isCI();
  const bar = new ProgressBar(process.stderr, interactive);
  const stop = new StopSignals((line) => {
    bar.clear();
    process.stderr.write(`\n${line}\n`);
  });
  try {
    let summary: RunSummary;
    let out: string;
    let tensorboard: TensorBoardWriter | null = null;
    const common = {
      catalog,
      shouldStop: () => stop.requested,
      onProgress: (p: Parameters<ProgressBar['update']>[0]) => bar.update(p),
      onNotice: (m: string) => process.stderr.write(`${m}\n`),
      onRecord: (r: { step: number; task: number } & Record<string, number>) => {
        if (!tensorboard) return;
        const { step, task: _task, ...values } = r;
        tensorboard.scalars(step, values);
      },
    };
    const openLogs = (dir: string) => {
      if (values['log-to']?.includes('tensorboard')) tensorboard = new TensorBoardWriter(join(dir, 'tensorboard'));
    };
    if (isRlRequest(catalog, positionals[0], values.preset, values.resume, values.condition)) {
      if (values.resume && (positionals.length || values.set || values.preset)) throw new UsageError("supple run --resume: the run's config.json decides everything; drop the other options");
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed ${values.seed}: not allowed; an integer >= 0`);
      const set: Settings = {};
      for (const s of values.set ?? []) {
        try {
          const [k, v] = parseSetting(s);
          set[k] = v;
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      const methods = values.method ? values.method.split('+').map((m) => m.trim()).filter(Boolean) : undefined;
      if (values['dry-run']) {
        // An RL run has no single model to summarize: the resolved config (benchmark, agent, methods) is the description.
        if (values.resume) throw new UsageError('supple run --dry-run --resume: nothing to resolve (the folder holds its config.json)');
        const config = resolveRlRunConfig({ benchmark: positionals[0], methods, preset: values.preset, ...(values.condition !== undefined ? { condition: values.condition } : {}), set, seed, backend: values.backend, label: values.label }, rlCatalogOf(catalog), version);
        bar.clear();
        console.log(JSON.stringify(config, null, 2));
        return 0;
      }
      ({ summary, out } = await runRlCommand(
        { benchmark: positionals[0], methods, preset: values.preset, ...(values.condition !== undefined ? { condition: values.condition } : {}), set, seed, backend: values.backend, label: values.label, out: values.out, resume: values.resume },
        catalog,
        () => stop.requested,
      ));
    } else if (values.resume !== undefined) {
      const given = ['method', 'set', 'preset', 'condition', 'seed', 'out', 'backend', 'label', 'config', 'weights', 'dataset'].filter((k) => (values as Record<string, unknown>)[k] !== undefined);
      if (given.length || positionals.length) throw new UsageError(`supple run --resume: the run's config.json decides everything; drop ${[...given.map((g) => `--${g}`), ...positionals].join(', ')}`);
      if (values.resume.trim() === '') throw new UsageError('--resume "": which run folder?');
      out = values.resume;
      process.stderr.write(`resuming ${out}\n`);
      openLogs(out);
      summary = await resumeRun({ ...common, out, ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}) });
    } else {
      const file = values.config ? readRunFile(values.config) : null;
      const preset = values.preset ?? file?.preset;
      const benchmarkName = positionals[0] ?? file?.benchmark;
      let quickstart = false;
      if (benchmarkName === undefined && preset === undefined) {
        quickstart = true;
        // With --method the user chose what to compare: only the benchmark (and its settings) come from quickstart.
        if (!values.method) process.stderr.write('no benchmark given: running the quickstart preset (supple run --help for the options)\n');
        // The quickstart needs no download; say where the papers' data sets come from.
        process.stderr.write('larger data sets (MNIST, Fashion-MNIST, CIFAR-10, ...): supple data fetch <name> downloads and checks one into the cache, or --data-dir DIR (SUPPLE_DATA_DIR) reads a folder; supple data list shows them, supple list presets the papers\' runs\n');
      }
      const set: Settings = { ...((file?.set ?? {}) as Settings) };
      for (const s of values.set ?? []) {
        try {
          const [k, v] = parseSetting(s);
          set[k] = v;
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      const seed = values.seed === undefined ? file?.seed : Number(values.seed);
      const datasets: Record<string, string> = Object.fromEntries(Object.entries(file?.datasets ?? {}).map(([n, p]) => [n, p.split(',').map((x) => resolve(x)).join(',')]));
      for (const d of values.dataset ?? []) {
        const eq = d.indexOf('=');
        if (eq < 1) throw new UsageError(`--dataset ${d}: not allowed; NAME=PATH, e.g. --dataset leaves=./leaves`);
        datasets[d.slice(0, eq)] = d.slice(eq + 1).split(',').map((p) => resolve(p)).join(',');
      }
      const { registerCustomDataset } = await import('../benchmarks/data/customDataset.js');
      for (const [n, p] of Object.entries(datasets)) await registerCustomDataset(n, p);
      if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed ${values.seed}: not allowed; an integer >= 0`);
      let config: RunConfig;
      try {
        config = resolveRunConfig(
          {
            benchmark: benchmarkName,
            methods: values.method
              ? values.method.split('+').map((m) => m.trim()).filter(Boolean)
              : typeof file?.methods === 'string' ? file.methods.split('+').map((m) => m.trim()).filter(Boolean) : file?.methods,
            preset: quickstart ? 'quickstart' : preset,
            ...((values.condition ?? file?.condition) !== undefined ? { condition: values.condition ?? file?.condition } : {}),
            set,
            seed,
            backend: values.backend ?? file?.backend,
            dataDir: values['data-dir'] ?? file?.dataDir,
            label: values.label ?? file?.label,
            datasets,
          },
          catalog,
          version,
        );
      } catch (e) {
        // Unknown benchmark, method or preset names are usage errors too.
        throw e instanceof Error && e.name === 'Error' ? new UsageError(e.message) : e;
      }
      if (values.weights) {
        const bytes = readFileSync(values.weights);
        config.weights = { from: resolve(values.weights), sha256: createHash('sha256').update(bytes).digest('hex') };
      }
      config.provenance = collectProvenance({ version, backend: getBackend(config.backendRequested).name, argv: ['supple', ...process.argv.slice(2)] });
      if (values['dry-run']) {
        bar.clear();
        return printDescription(await describeRun(config, catalog), values.json);
      }
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
      out = values.out ?? file?.out ?? join('runs', `${config.benchmark.name}-${config.methods.map((m) => m.name).join('+')}-s${config.seed}-${stamp}`);
      openLogs(out);
      summary = await startRun(config, {
        ...common,
        out,
        onStart: ({ config: c, model, stream }) =>
          process.stderr.write(
            `supple ${version}: ${c.benchmark.name} (${stream.numTasks} tasks) with ${c.methods.map((m) => m.name).join('+')}, ` +
              `${c.model.arch} of ${model.size.toLocaleString('en-US')} parameters, ${c.optimizer.name} lr ${JSON.stringify(c.optimizer.lr)}, ` +
              `seed ${c.seed}, backend ${c.backend}\nrun folder: ${out}\n`,
          ),
      });
    }
    bar.clear();
    (tensorboard as TensorBoardWriter | null)?.close();
    let report: string | null = null;
    // A diverged run gets its report too: it shows where it diverged.
    if (summary.status !== 'stopped' && !values['no-report']) {
      try {
        const { writeReport } = await import('../report/writeReport.js');
        report = (await writeReport([out], join(out, 'report'), { title: `supple run ${out}` })).html;
      } catch (e) {
        process.stderr.write(`warning: the report could not be written: ${(e as Error).message}\n`);
      }
    }
    if (values.json) console.log(JSON.stringify({ ...summary, out: resolve(out), report: report ?? null }, null, 2));
    else printSummary(summary, out, report);
    return summary.status === 'complete' ? EXIT.ok : summary.status === 'diverged' ? EXIT.failed : EXIT.interrupted;
  } finally {
    stop.dispose();
  }
}

function printSummary(s: RunSummary, out: string, report: string | null): void {
  const f = s.final;
  const lines = [
    `${s.status === 'complete' ? 'done' : s.status}: ${s.steps.toLocaleString('en-US')} steps, ${s.examples.toLocaleString('en-US')} examples in ${duration(s.seconds)} (${Math.round(s.examplesPerSecond).toLocaleString('en-US')} examples/s)`,
  ];
  if (f['online/accuracy'] !== undefined) lines.push(`last task online accuracy ${f['online/accuracy'].toFixed(4)}`);
  else if (f['online/loss'] !== undefined) lines.push(`last task online loss ${f['online/loss'].toPrecision(4)}`);
  if (f['episode/returnLast20'] !== undefined) lines.push(`mean episode return over the last 20 episodes ${f['episode/returnLast20'].toFixed(1)}`);
  if (f['bin/loss'] !== undefined) lines.push(`last bin loss ${f['bin/loss'].toPrecision(4)}`);
  const r = relative(process.cwd(), out) || '.';
  const rel = r.startsWith('..') ? resolve(out) : r;
  lines.push(`results: ${join(rel, 'metrics.jsonl')} (summary: ${join(rel, 'summary.json')})`);
  if (s.status === 'diverged') {
    const d = s.diverged;
    lines.push(`DIVERGED${d ? ` at step ${d.step} (task ${d.task + 1}): ${d.key} is ${d.value}` : ''}; the run stopped there (lower optimizer.lr, or --set run.checkFinite=false to go on regardless)`);
    if (report) lines.push(`report: ${join(rel, 'report', 'index.html')}`);
  } else if (s.status !== 'complete') lines.push(`continue with: supple run --resume ${rel}`);
  else if (report) lines.push(`report: ${join(rel, 'report', 'index.html')}`);
  else lines.push(`report: supple report ${rel} --out ${join(rel, 'report')}`);
  console.log(lines.join('\n'));
}

/** `--dry-run` and `supple describe`: the resolved config and the model summary (text or JSON). */
export function printDescription(d: Awaited<ReturnType<typeof describeRun>>, json: boolean): number {
  if (json) {
    console.log(JSON.stringify({ config: d.config, stream: d.stream, model: d.model }, null, 2));
    return 0;
  }
  const { provenance: _p, ...config } = d.config;
  const s = d.stream;
  console.log([
    'Resolved config:',
    JSON.stringify(config, null, 2),
    '',
    `Stream: ${s.tasks} tasks, input [${s.inputShape.join(', ')}], ${s.outputs} outputs, loss ${s.loss}; first task: ${s.firstTask}`,
    `Model (${d.config.model.arch}):`,
    formatModelSummary(d.model),
  ].join('\n'));
  return 0;
}
