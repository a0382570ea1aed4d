import type { VegaLiteSpec } from './figureSpecs.js';

/** A figure drawn: SVG text and, when asked, PNG bytes. */
export interface RenderedFigure {
  readonly svg: string;
  readonly png: Uint8Array | null;
  /** What Vega-Lite and Vega said while drawing it. */
  readonly warnings: readonly string[];
}

/**
 * Compile a Vega-Lite spec, render it headless to SVG with Vega, and rasterize it with resvg.
 * The libraries load on first use, so that importing supple stays fast for everything else.
 */
export async function renderFigure(spec: VegaLiteSpec, o: { png?: boolean; pngScale?: number } = {}): Promise<RenderedFigure> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const warnings: string[] = [];
  const logger = {
    level(_?: number) { return logger as never; },
    error: (...a: unknown[]) => { warnings.push(a.map(String).join(' ')); return logger as never; },
    warn: (...a: unknown[]) => { warnings.push(a.map(String).join(' ')); return logger as never; },
    info: () => logger as never,
    debug: () => logger as never,
  };
  const compiled = vl.compile(spec as never, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn, logger: logger as never });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  let png: Uint8Array | null = null;
  if (o.png ?? true) {
    const { Resvg } = await import('@resvg/resvg-js');
    const r = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: o.pngScale ?? 2 },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans' },
    });
    png = r.render().asPng();
  }
  return { svg, png, warnings };
}
