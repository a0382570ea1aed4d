#!/usr/bin/env node
import { catalog as makeCatalog } from '../experiment/catalog.js';
import { describeSchema, formatOptions } from '../config/describeSchema.js';
import { ConfigError } from '../config/parseConfig.js';
import { modelSchema } from '../nn/modelConfig.js';
import { optimizerSchema } from '../optim/optimizerConfig.js';
import { runOptionsSchema, type Catalog } from '../experiment/runConfig.js';
import { availableBackends, getBackend } from '../backend/selectBackend.js';
import { version } from '../version.js';
import { rlBenchmarkRegistry } from '../rl/rlBenchmarks.js';
import { ppoSchema } from '../rl/ppoConfig.js';
import { dqnSchema } from '../rl/dqnConfig.js';
import { runCommand, runUsage } from './runCommand.js';
import { sweepCommand } from './sweepCommand.js';
import { dataCommand } from './dataCommand.js';
import { reportCommand } from './reportCommand.js';
import { EXIT, exitCodeOf, exitCodesHelp } from './exitCodes.js';
import { UsageError } from '../config/UsageError.js';
import { exportCommand } from './exportCommand.js';
import { completionScript, completionWords } from './completionCommand.js';
import { serveCommand } from './serveCommand.js';

const usage = `supple ${version}: train neural networks that keep learning.

Usage:
  supple run [<benchmark>] [options]   train with plasticity methods, record every metric (supple run --help)
  supple list [what]                   benchmarks, rl-benchmarks, agent, methods, presets, metrics, model, optimizer, probes, run, backends
  supple sweep <file> [options]        a grid over settings x seeds on a pool of worker processes
  supple describe [<benchmark>] [options]  the resolved config and a model summary, without training (= run --dry-run)
  supple worker --queue URL            work the runs of sweeps queued with 'supple sweep FILE --queue URL'
  supple report <runs...> --out DIR    figures and an HTML page over seeds and methods
  supple export <run> --format F       csv, parquet, tensorboard, wandb-offline, or the weights as safetensors
  supple completion bash|zsh|fish      a shell completion script (source <(supple completion bash))
  supple serve [folders...]            live dashboard of runs, and the playground, in the browser
  supple data fetch|list [<name>]      download data sets (checked, cached) or show where they are found
  supple bench [options]               speed against PyTorch on this machine (npm run bench; a clone only)
  supple --version

Every command takes -h / --help; those that print results take --json.

Environment:
  SUPPLE_BACKEND     auto | wasm | native | ts: the compute backend (default auto: the fastest available)
  SUPPLE_DATA_DIR    a folder searched first for data sets
  SUPPLE_CACHE_DIR   where downloaded data sets go (default $XDG_CACHE_HOME/supple, else ~/.cache/supple)
  SUPPLE_THREADS     threads of the native backend
  SUPPLE_DEBUG       set (to anything) to print the stack trace of an error
  CI                 set to a true value (not 'false' or '0'): plain progress lines instead of a progress bar

${exitCodesHelp}`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...given] = argv;
  // -h means --help for every subcommand (up to a '--').
  const end = given.indexOf('--');
  const rest = given.map((a, i) => (a === '-h' && (end < 0 || i < end) ? '--help' : a));
  const catalog = makeCatalog();
  switch (cmd) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(usage);
      return 0;
    case '--version':
    case '-v':
      console.log(version);
      return 0;
    case 'run':
      return runCommand(rest, catalog, (b) => describeBenchmark(catalog, b));
    case 'list':
      return listCommand(rest, catalog);
    case 'sweep':
      return sweepCommand(rest, catalog);
    case 'data':
      return dataCommand(rest);
    case 'worker':
      // BullMQ and ioredis load only here: they would slow the start of every other command.
      return (await import('./workerCommand.js')).workerCommand(rest);
    case 'report':
      return reportCommand(rest);
    case 'export':
      return exportCommand(rest, catalog);
    case 'describe':
      return runCommand([...rest, ...(rest.includes('--help') ? [] : ['--dry-run'])], catalog, (b) => describeBenchmark(catalog, b));
    case 'completion': {
      if (rest.includes('--help') || rest.length !== 1) {
        console.log('supple completion bash|zsh|fish\n\nPrints a completion script: source <(supple completion bash) in ~/.bashrc; zsh alike;\nfish: supple completion fish > ~/.config/fish/completions/supple.fish');
        return rest.includes('--help') ? EXIT.ok : EXIT.usage;
      }
      process.stdout.write(completionScript(rest[0]!, completionWords(catalog)));
      return 0;
    }
    case 'serve':
      return serveCommand(rest);
    case 'bench':
      return benchCommand(rest);
    default:
      throw new UsageError(`unknown command '${cmd}'; commands: run, describe, list, sweep, worker, report, export, serve, data, completion, bench (supple --help)`);
  }
}

/** `supple bench`: the benchmark scripts of a clone (they are not in the npm package). */
async function benchCommand(args: string[]): Promise<number> {
  const { existsSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../../bench/main.js', import.meta.url));
  if (!existsSync(script)) throw new Error('supple bench: the benchmark scripts come with a clone of the repository (npm run bench there)');
  return spawnSync(process.execPath, ['--expose-gc', script, ...args], { stdio: 'inherit' }).status ?? 1;
}

function describeBenchmark(catalog: Catalog, name: string): string {
  if (rlBenchmarkRegistry.has(name)) {
    const r = rlBenchmarkRegistry.get(name);
    const dqn = r.algorithm === 'dqn';
    return `${runUsage}\n\nRL benchmark ${r.name}: ${r.description}\n${formatOptions(describeSchema(r.schema))}\n\nagent (${dqn ? 'DQN' : 'PPO'}; --set agent.<key>, defaults before the benchmark's):\n${formatOptions(describeSchema(dqn ? dqnSchema : ppoSchema))}`;
  }
  const b = catalog.benchmarks.get(name);
  return `${runUsage}\n\nbenchmark ${b.name}: ${b.description}\n${formatOptions(describeSchema(b.schema))}`;
}

function listCommand(args: string[], catalog: Catalog): number {
  if (args.includes('--help')) {
    console.log('supple list [benchmarks|methods|presets|metrics|model|optimizer|probes|run|backends ...] [--json]\n\nWhat supple offers, with every option, its default and what it does (all sections without arguments).');
    return 0;
  }
  const json = args.includes('--json');
  const what = args.filter((a) => a !== '--json');
  const all = what.length === 0;
  const sections: Record<string, () => unknown> = {
    benchmarks: () => catalog.benchmarks.all().map((b) => ({ name: b.name, description: b.description, options: describeSchema(b.schema) })),
    'rl-benchmarks': () => rlBenchmarkRegistry.all().map((b) => ({ name: b.name, description: b.description, options: describeSchema(b.schema) })),
    agent: () => describeSchema(ppoSchema),
    'dqn-agent': () => describeSchema(dqnSchema),
    methods: () => catalog.methods.all().map((m) => ({ name: m.name, description: m.description, reference: m.reference, options: describeSchema(m.schema) })),
    presets: () => catalog.presets.all().map((p) => ({ name: p.name, description: p.description, paper: p.paper, scale: p.scale, benchmark: p.benchmark, methods: p.methods, set: p.set, conditions: p.conditions })),
    model: () => describeSchema(modelSchema),
    optimizer: () => describeSchema(optimizerSchema),
    probes: () => describeSchema(catalog.probes.schema),
    run: () => describeSchema(runOptionsSchema),
    metrics: () => metricDocs(),
    backends: () => availableBackends().map((b) => ({ name: b, description: getBackend(b).description })),
  };
  for (const w of what) if (!(w in sections)) throw new UsageError(`supple list: '${w}' is not listable; choose from ${Object.keys(sections).join(', ')}`);
  const chosen = all ? Object.keys(sections) : what;
  if (json) {
    console.log(JSON.stringify(Object.fromEntries(chosen.map((k) => [k, sections[k]!()])), null, 2));
    return 0;
  }
  const out: string[] = [];
  for (const k of chosen) {
    out.push(`${k}:`);
    const v = sections[k]!() as unknown[];
    if (v.length && 'key' in (v[0] as object)) {
      out.push(formatOptions(v as never, '  '), '');
      continue;
    }
    for (const item of v as Array<Record<string, unknown>>) {
      if ('options' in item) {
        out.push(`  ${item.name}  ${item.description}${item.reference ? ` [${item.reference}]` : ''}`);
        out.push(formatOptions(item.options as never, '      '));
      } else if ('scale' in item) out.push(`  ${item.name}  (${item.scale}) ${item.description} [${item.paper}]`);
      else out.push(`  ${item.name}  ${item.description}`);
    }
    out.push('');
  }
  console.log(out.join('\n'));
  return 0;
}

/** The metric keys a run records (diagnostics add diag/<name>/<group> keys, methods method/<name>/<group>). */
function metricDocs(): Array<{ name: string; description: string }> {
  return [
    { name: 'online/accuracy', description: 'fraction of a task\'s training examples classified right before their update (per task)' },
    { name: 'online/loss', description: 'mean training loss over a task, before each update' },
    { name: 'bin/loss, bin/accuracy', description: 'the same over each bin of examples (task-free streams, e.g. 40000 for slowly-changing regression)' },
    { name: 'online/mse, bin/mse, eval/<set>/mse', description: "a categorical value head (two-hot, HL-Gauss): the decoded predictions' squared error beside the cross-entropy" },
    { name: 'train/loss, train/accuracy', description: 'over each epoch' },
    { name: 'eval/<set>/loss, eval/<set>/accuracy', description: 'on an evaluation set (test, val) at the end of each epoch' },
    { name: 'diag/<diagnostic>[/<group>]', description: 'diagnostics at the probe cadence (supple list probes)' },
    { name: 'method/<counter>[/<group>]', description: 'counters of the methods (e.g. method/replaced/h1)' },
  ];
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e);
    process.stderr.write(`supple: ${msg}\n`);
    if (process.env.SUPPLE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(exitCodeOf(e));
  },
);
