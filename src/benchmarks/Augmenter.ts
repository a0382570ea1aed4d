import { z } from 'zod';
import type { FloatArray } from '../tensor/FloatArray.js';
import type { Rng } from '../tensor/Rng.js';

/** Data augmentation options (the CLI sets them as --set augment.<key>=...). */
export const augmentSchema = z.strictObject({
  flip: z.boolean().default(false).describe('random horizontal flip with probability 0.5'),
  cropPadding: z.number().int().min(0).default(0).describe('random crop of the original size after padding each side by this many pixels (0: none)'),
  cropMode: z.enum(['reflect', 'zero']).default('reflect').describe("padding of the random crop: 'reflect' (mirror without repeating the edge) or 'zero'"),
  rotateMin: z.number().min(-180).max(180).default(0).describe('random rotation: smallest angle in degrees (counter-clockwise positive)'),
  rotateMax: z.number().min(-180).max(180).default(0).describe('random rotation: largest angle in degrees (min = max = 0: none)'),
});
/**
 * Validated augmentation options (the output of {@link augmentSchema}): flip, padded crop and rotation range in
 * degrees; all off by default.
 */
export type AugmentConfig = z.output<typeof augmentSchema>;

/**
 * Random flip, crop with padding and rotation (nearest neighbour, zeros outside), applied in this order to a
 * normalized image in place (so zero fill and zero padding mean the per-channel mean when standardized, as in
 * the PyTorch pipelines that normalize first). All randomness comes from the Rng given per call: a stream
 * derives it from (task, epoch, position), so a resumed epoch sees the same augmentations.
 */
export class Augmenter {
  private readonly scratch: Float32Array;

  constructor(
    private readonly shape: readonly [number, number, number],
    private readonly cfg: AugmentConfig,
  ) {
    if (cfg.rotateMin > cfg.rotateMax) throw new Error(`augment.rotateMin = ${cfg.rotateMin} is not allowed: must be <= rotateMax (${cfg.rotateMax})`);
    this.scratch = new Float32Array(shape[0] * shape[1] * shape[2]);
  }

  get active(): boolean {
    return this.cfg.flip || this.cfg.cropPadding > 0 || this.cfg.rotateMin !== 0 || this.cfg.rotateMax !== 0;
  }

  /** Augment the image at x[offset ..]. */
  apply(x: FloatArray, offset: number, rng: Rng): void {
    const [c, h, w] = this.shape;
    const cfg = this.cfg;
    if (cfg.flip && rng.float() < 0.5) {
      for (let ch = 0; ch < c; ch++) {
        for (let r = 0; r < h; r++) {
          const row = offset + ch * h * w + r * w;
          for (let a = 0, b = w - 1; a < b; a++, b--) {
            const t = x[row + a]!;
            x[row + a] = x[row + b]!;
            x[row + b] = t;
          }
        }
      }
    }
    const p = cfg.cropPadding;
    if (p > 0) {
      const dy = rng.int(2 * p + 1) - p;
      const dx = rng.int(2 * p + 1) - p;
      if (dx !== 0 || dy !== 0) {
        const s = this.scratch;
        for (let i = 0; i < s.length; i++) s[i] = x[offset + i]!;
        const reflect = cfg.cropMode === 'reflect';
        for (let ch = 0; ch < c; ch++) {
          const base = ch * h * w;
          for (let r = 0; r < h; r++) {
            let sr = r + dy;
            let rowOk = true;
            if (sr < 0 || sr >= h) {
              if (reflect) sr = sr < 0 ? -sr : 2 * (h - 1) - sr;
              else rowOk = false;
            }
            for (let col = 0; col < w; col++) {
              let sc = col + dx;
              let ok = rowOk;
              if (sc < 0 || sc >= w) {
                if (reflect) sc = sc < 0 ? -sc : 2 * (w - 1) - sc;
                else ok = false;
              }
              x[offset + base + r * w + col] = ok ? s[base + sr * w + sc]! : 0;
            }
          }
        }
      }
    }
    if (cfg.rotateMin !== 0 || cfg.rotateMax !== 0) {
      const deg = cfg.rotateMin + (cfg.rotateMax - cfg.rotateMin) * rng.float();
      if (deg !== 0) this.rotate(x, offset, (deg * Math.PI) / 180);
    }
  }

  /** Rotate counter-clockwise by `a` radians about the image centre: output (x, y) reads source centre + R(-a)(x, y) in y-down coordinates. */
  private rotate(x: FloatArray, offset: number, a: number): void {
    const [c, h, w] = this.shape;
    const s = this.scratch;
    for (let i = 0; i < s.length; i++) s[i] = x[offset + i]!;
    const cos = Math.cos(a), sin = Math.sin(a);
    const cx = (w - 1) / 2, cy = (h - 1) / 2;
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const dx = col - cx, dy = r - cy;
        const sc = Math.round(cx + dx * cos - dy * sin);
        const sr = Math.round(cy + dx * sin + dy * cos);
        const inside = sc >= 0 && sc < w && sr >= 0 && sr < h;
        for (let ch = 0; ch < c; ch++) x[offset + ch * h * w + r * w + col] = inside ? s[ch * h * w + sr * w + sc]! : 0;
      }
    }
  }
}
