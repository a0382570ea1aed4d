import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readCheckpoint } from '../experiment/checkpointFile.js';
import type { ModelState } from '../nn/Model.js';
import { readRunFolder } from '../report/RunFolder.js';
import { metricCsv, metricTable } from './metricRows.js';
import { TensorBoardWriter } from './TensorBoardWriter.js';
import { modelStateToSafetensors } from '../nn/torchWeights.js';
import { writeWandbOffline } from './wandbOffline.js';
import { describeRun } from '../experiment/describeRun.js';
import type { Catalog, RunConfig } from '../experiment/runConfig.js';
import { torchModuleSource } from './torchModule.js';

/** The formats of `supple export`. */
export const exportFormats = ['csv', 'parquet', 'tensorboard', 'wandb-offline', 'safetensors'] as const;
/** One of {@link exportFormats}: csv, parquet, tensorboard, wandb-offline or safetensors. */
export type ExportFormat = (typeof exportFormats)[number];

/** What an export wrote. */
export interface ExportResult {
  readonly format: ExportFormat;
  /** The file or folder written. */
  readonly path: string;
  /** Rows (metric formats) or tensors (safetensors). */
  readonly count: number;
  /** safetensors: the generated torch.nn module (model.py beside the weights), or why there is none. */
  readonly torchModule?: { path: string } | { skipped: string };
}

/** Where an export goes when --out is not given: `<run>/export/...`. */
export function defaultExportPath(run: string, format: ExportFormat): string {
  const dir = join(run, 'export');
  switch (format) {
    case 'csv':
      return join(dir, 'metrics.csv');
    case 'parquet':
      return join(dir, 'metrics.parquet');
    case 'tensorboard':
      return join(dir, 'tensorboard');
    case 'wandb-offline':
      return join(dir, 'wandb');
    case 'safetensors':
      return join(dir, 'model.safetensors');
  }
}

/**
 * Export a run folder: its metrics as CSV, Parquet, TensorBoard event files or a W&B offline run, or its model
 * weights (from the last checkpoint) as safetensors with PyTorch names.
 */
export async function exportRun(runDir: string, format: ExportFormat, out?: string, catalog?: Catalog): Promise<ExportResult> {
  if (!(exportFormats as readonly string[]).includes(format)) throw new Error(`export: format '${format}' is not known; formats: ${exportFormats.join(', ')}`);
  const target = resolve(out ?? defaultExportPath(runDir, format));
  const run = await readRunFolder(runDir);
  if (format === 'safetensors') {
    const ck = readCheckpoint(run.path) as { model?: ModelState } | null;
    if (!ck?.model) throw new Error(`export: ${runDir} has no checkpoint with model weights (checkpoint/state.ckpt); a run writes one at task ends and at the end`);
    const cfg = run.config;
    const bytes = modelStateToSafetensors(ck.model, {
      'supple.version': String(cfg.version ?? ''),
      'supple.model': JSON.stringify(cfg.model ?? null),
      'supple.benchmark': JSON.stringify(cfg.benchmark ?? null),
      'supple.run': basename(run.path),
    });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    let torchModule: ExportResult['torchModule'];
    if (catalog) {
      // The architecture comes from rebuilding the run's model (its stream gives the input shape).
      try {
        const d = await describeRun(cfg as unknown as RunConfig, catalog);
        const py = join(dirname(target), 'model.py');
        writeFileSync(py, torchModuleSource(d.built));
        torchModule = { path: py };
      } catch (e) {
        torchModule = { skipped: (e as Error).message };
      }
    }
    return { format, path: target, count: Object.keys(ck.model.params).length + Object.keys(ck.model.buffers).length, ...(torchModule ? { torchModule } : {}) };
  }
  const table = metricTable(run.records);
  switch (format) {
    case 'csv':
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, metricCsv(table));
      break;
    case 'parquet': {
      const { parquetWriteBuffer } = await import('hyparquet-writer');
      const columnData = table.columns.map((c) =>
        c === 'step' || c === 'task'
          ? { name: c, data: table.rows.map((r) => BigInt(r[c] ?? 0)), type: 'INT64' as const, nullable: false }
          : { name: c, data: table.rows.map((r) => r[c] ?? null), type: 'DOUBLE' as const },
      );
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, new Uint8Array(parquetWriteBuffer({ columnData, kvMetadata: [{ key: 'supple.config', value: JSON.stringify(run.config) }], createdBy: `supple ${String(run.config.version ?? '')}` })));
      break;
    }
    case 'tensorboard': {
      const start = (run.startedAt ?? new Date()).getTime() / 1000;
      const w = new TensorBoardWriter(target, { wallTime: start });
      for (const r of run.records) {
        const { step, task: _task, ...values } = r;
        w.scalars(step, Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number')), start);
      }
      w.close();
      break;
    }
    case 'wandb-offline': {
      const cfg = run.config;
      const id = createHash('sha256').update(run.path).digest('hex').slice(0, 8);
      const bench = (cfg.benchmark as { name?: string } | undefined)?.name ?? 'supple';
      const methods = Array.isArray(cfg.methods) ? (cfg.methods as Array<{ name?: string }>).map((m) => m.name).join('+') : '';
      const dir = writeWandbOffline(target, {
        id, project: `supple-${bench}`, name: typeof cfg.label === 'string' ? cfg.label : basename(run.path), config: cfg,
        startTime: run.startedAt ?? new Date(), seconds: typeof run.summary?.seconds === 'number' ? run.summary.seconds : 0,
        tags: methods ? [methods] : [],
      }, table);
      return { format, path: dir, count: table.rows.length };
    }
  }
  return { format, path: target, count: table.rows.length };
}
