import { Tensor } from '../../tensor/Tensor.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkInput } from './shapeError.js';

/** [N, C, H, W] -> [N, C*H*W]: a view, no copy. Channel c owns columns [c*H*W, (c+1)*H*W). */
export class Flatten implements Layer {
  readonly type = 'flatten';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  output: Tensor | null = null;
  private views = new Map<Float32Array | Float64Array, Tensor>();
  private gradViews = new Map<Float32Array | Float64Array, Tensor>();

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
  ) {
    this.outShape = [inShape.reduce((a, b) => a * b, 1)];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const y = view(this.views, x, this.outShape);
    this.output = y;
    return y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    return view(this.gradViews, dy, this.inShape);
  }
}

/**
 * A reshaped Tensor [N, ...perExample] object per underlying buffer, made once (buffers are reused, so this stays
 * small); the shape array too is made only then, not per call.
 */
function view(cache: Map<Float32Array | Float64Array, Tensor>, t: Tensor, perExample: readonly number[]): Tensor {
  let v = cache.get(t.data);
  if (!v) {
    if (cache.size > 16) cache.clear();
    v = new Tensor(t.data, [t.shape[0]!, ...perExample]);
    cache.set(t.data, v);
  }
  return v;
}
