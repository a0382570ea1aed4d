// Vega-Lite specs of the report's figures: small multiples of curves with standard-error bands, and dot charts
// of final numbers. Plain data in, a spec out; rendering is renderFigure's job.

/** A Vega-Lite spec (JSON). */
export type VegaLiteSpec = Record<string, unknown>;

/** A condition as figures draw it. */
export interface Swatch {
  readonly label: string;
  readonly color: string;
}

/** One row of a curve panel: a condition's mean at x, with its band (mean ± SE). */
export interface CurveRow {
  readonly condition: string;
  readonly x: number;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

export interface CurvePanel {
  readonly title: string;
  readonly xTitle: string;
  /** d3 format of the x axis ('d' for tasks, '~s' for examples). */
  readonly xFormat: string;
  readonly yTitle: string;
  readonly yFormat: string;
  readonly zero: boolean;
  readonly rows: readonly CurveRow[];
}

/** One row of a dot chart: a condition's final number with its error bar. */
export interface DotRow {
  readonly condition: string;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

export interface DotPanel {
  readonly title: string;
  readonly format: string;
  readonly zero: boolean;
  readonly rows: readonly DotRow[];
}

const FONT = 'Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif';

/** The look shared by every figure: white, light grid, no frame, readable type. */
export const FIGURE_CONFIG = {
  font: FONT,
  background: 'white',
  padding: 10,
  view: { stroke: null },
  axis: {
    labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#222', labelColor: '#333',
    domainColor: '#888', tickColor: '#888', gridColor: '#ececec', labelFlush: false, titlePadding: 8,
  },
  legend: {
    labelFontSize: 11.5, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#222', labelColor: '#222',
    symbolType: 'stroke', symbolStrokeWidth: 3, symbolSize: 220, labelLimit: 420, rowPadding: 4, columnPadding: 18,
  },
  title: { fontSize: 13, fontWeight: 'bold', color: '#111', anchor: 'start', offset: 8 },
  concat: { spacing: 36 },
  line: { strokeWidth: 1.8, strokeJoin: 'round', strokeCap: 'round' },
} as const;

/**
 * A small multiple's title is its y axis title, set level above the plot's top-left corner: placed in axis
 * coordinates, it lines up across panels whatever the extent of their tick labels (group titles do not).
 */
const PANEL_TITLE = { titleAngle: 0, titleAlign: 'left', titleBaseline: 'bottom', titleX: -4, titleY: -12, titleFontWeight: 'bold', titleFontSize: 12.5, titleColor: '#111' } as const;

function colorEncoding(swatches: readonly Swatch[], legend: Record<string, unknown> | null) {
  return {
    field: 'condition',
    type: 'nominal',
    title: 'Condition',
    sort: swatches.map((s) => s.label),
    scale: { domain: swatches.map((s) => s.label), range: swatches.map((s) => s.color) },
    legend,
  };
}

/** Curves (mean over seeds) with shaded standard-error bands; one panel per metric, sharing one legend. */
export function curveFigure(panels: readonly CurvePanel[], swatches: readonly Swatch[], o: { width?: number; height?: number; columns?: number; title?: string } = {}): VegaLiteSpec {
  const single = panels.length === 1;
  const width = o.width ?? (single ? 560 : 220);
  const height = o.height ?? (single ? 300 : 170);
  const present = swatches.filter((s) => panels.some((p) => p.rows.some((r) => r.condition === s.label)));
  // Solid symbols: the legend is shared with the translucent bands, whose opacity it would otherwise take.
  const legend = { orient: 'right', symbolOpacity: 1 };
  const panel = (p: CurvePanel) => {
    const longest = Math.max(0, ...present.map((s) => p.rows.filter((r) => r.condition === s.label).length));
    const x = {
      field: 'x', type: 'quantitative', title: p.xTitle,
      // SI prefixes for large counts (2M examples), but a bare 0 at the origin rather than "0M".
      axis: {
        ...(p.xFormat === 'd' ? { format: 'd', tickMinStep: 1 } : { labelExpr: `datum.value === 0 ? '0' : format(datum.value, '${p.xFormat}')` }),
        ...(single ? {} : { tickCount: 5 }),
      },
      scale: { zero: false, nice: true },
    };
    const color = colorEncoding(present, legend);
    const layers: Record<string, unknown>[] = [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, fill: color } },
      {
        mark: { type: 'line' },
        encoding: { x, y: { field: 'mean', type: 'quantitative', title: single ? p.yTitle : p.title, axis: single ? { format: p.yFormat } : { format: p.yFormat, ...PANEL_TITLE }, scale: { zero: p.zero } }, color },
      },
    ];
    // Bands and dots take their colors through 'fill' without a legend; the lines' 'color' legend is the one shown.
    // Few points: mark them, a line alone hides where the measurements are.
    if (longest <= 40) layers.push({ mark: { type: 'point', filled: true, size: longest <= 1 ? 50 : 22, opacity: 1 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, fill: color } });
    return { width, height, data: { values: p.rows }, layer: layers };
  };
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: FIGURE_CONFIG, ...(o.title ? { title: o.title } : {}) };
  if (single) return { ...base, ...panel(panels[0]!) };
  return {
    ...base,
    columns: o.columns ?? Math.min(panels.length, 4),
    concat: panels.map(panel),
    // Align the plot areas (not the axis labels, whose extent varies) so that panel titles line up.
    bounds: 'flush',
    spacing: { row: 64, column: 52 },
    resolve: { scale: { color: 'shared', fill: 'shared', x: 'independent', y: 'independent' }, legend: { color: 'shared' } },
  };
}

/** Final numbers per condition: a dot with its standard-error bar, one panel per metric, conditions as rows. */
export function dotFigure(panels: readonly DotPanel[], swatches: readonly Swatch[], o: { columns?: number } = {}): VegaLiteSpec {
  const present = swatches.filter((s) => panels.some((p) => p.rows.some((r) => r.condition === s.label)));
  const order = present.map((s) => s.label);
  const height = Math.max(40, 22 * present.length);
  const panel = (p: DotPanel, i: number, columns: number) => {
    const y = { field: 'condition', type: 'nominal', sort: order, scale: { domain: order }, title: null, axis: i % columns === 0 ? { labelLimit: 0, ticks: false, domain: false } : null };
    const color = colorEncoding(present, null);
    return {
      title: p.title, width: 200, height, data: { values: p.rows },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { field: 'lo', type: 'quantitative', scale: { zero: p.zero, padding: 12 }, title: null, axis: { format: p.format, tickCount: 4 } }, x2: { field: 'hi' }, color } },
        { mark: { type: 'point', filled: true, size: 70, opacity: 1 }, encoding: { y, x: { field: 'mean', type: 'quantitative' }, color } },
      ],
    };
  };
  const columns = o.columns ?? Math.min(panels.length, 4);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { ...FIGURE_CONFIG, axisY: { grid: false } },
    columns,
    concat: panels.map((p, i) => panel(p, i, columns)),
    resolve: { scale: { color: 'shared', x: 'independent', y: 'shared' } },
  };
}
