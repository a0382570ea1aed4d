import { UsageError } from '../config/UsageError.js';
import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import { reportOptionsSchema } from '../report/reportOptions.js';
import { schemaFlags } from './schemaFlags.js';

const flags = schemaFlags(reportOptionsSchema);

export const reportUsage = `supple report <run or sweep folders...> --out DIR [options]

Aggregates runs over seeds (runs that differ only in seed form a condition), draws the papers' figures
(online accuracy per task per method, the correlates of plasticity loss, error per bin, evaluation per task)
as SVG and PNG, and gathers them in one self-contained HTML page, with summary.csv/json of final numbers.

Options:
${flags.help}
  --out DIR                      the report folder (required)
  --json                         print what was written (page, figures, conditions, warnings) as JSON
  -h, --help                     this text`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...flags.options, out: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log(reportUsage);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('supple report: which runs? give run folders or sweep folders');
  if (!values.out) throw new UsageError('supple report: --out DIR is required (where the figures and index.html go)');
  const { writeReport } = await import('../report/writeReport.js');
  const r = await writeReport(positionals, values.out as string, flags.read(values));
  if (values.json) {
    console.log(JSON.stringify({ html: r.html, outDir: r.outDir, figures: r.figures, conditions: r.conditions.map((c) => c.label), warnings: r.warnings }, null, 2));
    return 0;
  }
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel.startsWith('..') ? resolve(p) : rel;
  };
  console.log(`report: ${show(r.html)} (${r.figures.length} figures, ${r.conditions.length} conditions)`);
  return 0;
}
