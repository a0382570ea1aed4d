import { parseArgs } from 'node:util';
import { join, relative, resolve } from 'node:path';
import type { Catalog } from '../experiment/runConfig.js';
import { resolveRunConfig } from '../experiment/runConfig.js';
import { parseSetting, type Settings } from '../experiment/settings.js';
import { resumeRun, startRun, type RunSummary } from '../experiment/runExperiment.js';
import { UsageError } from '../config/UsageError.js';
import { EXIT, exitCodesHelp } from './exitCodes.js';
import { ProgressBar, duration } from './ProgressBar.js';
import { StopSignals } from './StopSignals.js';
import { version } from '../version.js';

export const runUsage = `supple run [<benchmark>] [options]

Train on a benchmark with one or more plasticity methods and record everything in a run folder
(config.json, metrics.jsonl, edits.jsonl, summary.json, checkpoint/).

Options:
  --method m[+m2]     methods to apply (default bp); combine with +, e.g. cbp+l2
  --set key=value     a setting (repeatable): benchmark options (tasks=3), method.<field>,
                      method.<name>.<field>, model.<field>, optimizer.<field>, probes.<field>, run.<field>
  --preset NAME       start from a preset that reproduces a paper (supple list presets)
  --condition LABEL   one arm of the preset's comparison (its methods and settings), e.g. cbp
  --seed N            random seed (default 0)
  --out DIR           run folder (default runs/<benchmark>-<methods>-s<seed>-<time>)
  --backend B         auto | wasm | native | ts (default: SUPPLE_BACKEND, else the fastest available)
  --data-dir DIR      read data sets from this folder first (or SUPPLE_DATA_DIR)
  --resume DIR        continue a stopped or crashed run exactly where its last checkpoint left it
                      (with --data-dir when its data set was missing)
  --label TEXT        a name for this run in reports
  --quiet             plain progress lines instead of a progress bar
  --no-report         do not write the run's report (<out>/report/index.html) at the end
  --help              this text; 'supple run <benchmark> --help' lists that benchmark's options

Ctrl-C or SIGTERM stops cleanly after the current step with a checkpoint (a third signal quits at once):
what was recorded stays and --resume continues. A run folder is locked while a process writes it.
A NaN or infinite loss or parameter stops the run as diverged (run.checkFinite=false turns the check off).
${exitCodesHelp}`;

export async function runCommand(argv: string[], catalog: Catalog, describe: (benchmark: string) => string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
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
        help: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(`supple run: ${(e as Error).message} (supple run --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`supple run: one benchmark at a time (got ${positionals.join(', ')})`);
  if (values.help) {
    console.log(positionals[0] ? describe(positionals[0]) : runUsage);
    return EXIT.ok;
  }
  const interactive = !values.quiet && process.stderr.isTTY === true && !process.env.CI;
  const bar = new ProgressBar(process.stderr, interactive);
  const stop = new StopSignals((line) => {
    bar.clear();
    process.stderr.write(`\n${line}\n`);
  });
  try {
    let summary: RunSummary;
    let out: string;
    const common = {
      catalog,
      shouldStop: () => stop.requested,
      onProgress: (p: Parameters<ProgressBar['update']>[0]) => bar.update(p),
      onNotice: (m: string) => process.stderr.write(`${m}\n`),
    };
    if (values.resume !== undefined) {
      const given = ['method', 'set', 'preset', 'condition', 'seed', 'out', 'backend', 'label'].filter((k) => (values as Record<string, unknown>)[k] !== undefined);
      if (given.length || positionals.length) throw new UsageError(`supple run --resume: the run's config.json decides everything; drop ${[...given.map((g) => `--${g}`), ...positionals].join(', ')}`);
      if (values.resume.trim() === '') throw new UsageError('--resume "": which run folder?');
      out = values.resume;
      process.stderr.write(`resuming ${out}\n`);
      summary = await resumeRun({ ...common, out, ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}) });
    } else {
      if (positionals.length === 0 && values.preset === undefined) {
        values.preset = 'quickstart';
        process.stderr.write('no benchmark given: running the quickstart preset (supple run --help for the options)\n');
      }
      const set: Settings = {};
      for (const s of values.set ?? []) {
        try {
          const [k, v] = parseSetting(s);
          set[k] = v;
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed ${values.seed}: not allowed; an integer >= 0`);
      let config;
      try {
        config = resolveRunConfig(
          {
            benchmark: positionals[0],
            methods: values.method ? values.method.split('+').map((m) => m.trim()).filter(Boolean) : undefined,
            preset: values.preset,
            ...(values.condition !== undefined ? { condition: values.condition } : {}),
            set,
            seed,
            backend: values.backend,
            dataDir: values['data-dir'],
            label: values.label,
          },
          catalog,
          version,
        );
      } catch (e) {
        // Unknown benchmark, method or preset names are usage errors too.
        throw e instanceof Error && e.name === 'Error' ? new UsageError(e.message) : e;
      }
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
      out = values.out ?? join('runs', `${config.benchmark.name}-${config.methods.map((m) => m.name).join('+')}-s${config.seed}-${stamp}`);
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
    printSummary(summary, out, report);
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
