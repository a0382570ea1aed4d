import type { Backend } from '../../backend/Backend.js';
import type { Tensor } from '../../tensor/Tensor.js';
import { batchBuffers, type BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { Param, StateBuffer } from '../Param.js';
import { checkGrad, checkInput } from './shapeError.js';

/**
 * Concatenated ReLU (Shang et al. 2016; as a plasticity intervention, Abbas et al. 2023):
 * [relu(x), relu(-x)] along the feature / channel axis, so the layer's width doubles.
 * Unit i of the layer before owns features i and i + C.
 */
export class CReLU implements Layer {
  readonly type = 'crelu';
  readonly outShape: readonly number[];
  readonly params: Param[] = [];
  readonly buffers: StateBuffer[] = [];
  readonly children: Layer[] = [];
  readonly channels: number;
  readonly spatial: number;
  output: Tensor | null = null;
  input: Tensor | null = null;
  private cache: BatchCache<{ y: Tensor; dx: Tensor }>;

  constructor(
    readonly name: string,
    readonly inShape: readonly number[],
    private readonly backend: Backend,
  ) {
    this.channels = inShape[0]!;
    this.spatial = inShape.slice(1).reduce((a, b) => a * b, 1);
    this.outShape = [2 * this.channels, ...inShape.slice(1)];
    this.cache = batchBuffers(backend, { y: this.outShape, dx: inShape });
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    checkInput(this, x);
    const n = x.shape[0]!;
    const buf = this.cache.get(n);
    this.backend.crelu(x.data, n, this.channels, this.spatial, buf.y.data);
    this.input = x;
    this.output = buf.y;
    return buf.y;
  }

  backward(dy: Tensor, _sink: GradSink, needInputGrad: boolean): Tensor | null {
    checkGrad(this, dy, this.output);
    if (!needInputGrad) return null;
    const n = dy.shape[0]!;
    const buf = this.cache.get(n);
    this.backend.creluBackward(this.input!.data, dy.data, n, this.channels, this.spatial, buf.dx.data);
    return buf.dx;
  }
}
