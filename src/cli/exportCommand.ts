import { parseArgs } from 'node:util';
import { exportFormats, exportRun, type ExportFormat } from '../export/exportRun.js';
import type { Catalog } from '../experiment/runConfig.js';

export const exportUsage = `supple export <run> --format ${exportFormats.join('|')} [--out PATH] [--json]

Take a run elsewhere:
  csv            metrics as one table: a row per (step, task), a column per key (default <run>/export/metrics.csv)
  parquet        the same table as Parquet (step, task int64; metrics double, null where absent)
  tensorboard    TensorBoard event files, a scalar series per key against the step (tensorboard --logdir <out>)
  wandb-offline  a W&B offline run folder for 'wandb sync <out>/offline-run-*' (config, history, summary)
  safetensors    the model's weights from the last checkpoint, with PyTorch names and layouts (fc1.weight
                 [out, in], conv1.weight [outC, inC, k, k]): safetensors.torch.load_file + load_state_dict;
                 model.py beside it holds the equivalent torch.nn module where the model is a plain chain

Options:
  --format F     one of ${exportFormats.join(', ')}
  --out PATH     file (csv, parquet, safetensors) or folder (tensorboard, wandb-offline); default under <run>/export/
  --json         print what was written as JSON
  -h, --help     this text`;

export async function exportCommand(argv: string[], catalog?: Catalog): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(exportUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new Error(`supple export: give one run folder (got ${positionals.length ? positionals.join(', ') : 'none'}); supple export --help`);
  if (!values.format) throw new Error(`supple export: --format is required; one of ${exportFormats.join(', ')}`);
  if (!(exportFormats as readonly string[]).includes(values.format)) throw new Error(`supple export: --format ${values.format} is not allowed; one of ${exportFormats.join(', ')}`);
  const r = await exportRun(positionals[0]!, values.format as ExportFormat, values.out, catalog);
  if (values.json) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`${r.format}: ${r.path} (${r.count} ${r.format === 'safetensors' ? 'tensors' : 'rows'})`);
    if (r.torchModule && 'path' in r.torchModule) console.log(`torch module: ${r.torchModule.path} (from model import SuppleModel; m.load_state_dict(safetensors.torch.load_file(...)))`);
    else if (r.torchModule) console.log(`no torch module written: ${r.torchModule.skipped}`);
  }
  return 0;
}
