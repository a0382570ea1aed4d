import type { Backend } from '../../backend/Backend.js';
import { Tensor } from '../../tensor/Tensor.js';
import { BatchCache } from '../BatchCache.js';
import type { ForwardContext, GradSink, Layer } from '../Layer.js';
import type { LayerSpec } from '../LayerSpec.js';
import type { Param, StateBuffer } from '../Param.js';

/**
 * The head after plasticity injection (Nikishin et al. 2023): y = h(x) + h'(x) - sg(h''(x)). h is the old head,
 * h' a freshly initialized copy of its architecture, h'' a copy of h'. h and h'' are frozen (their parameters
 * are not trainable: no gradient, no update), h' learns. The copy is detached (stop-gradient) as in the paper and
 * Plasticine's implementation (`self.new_b(x).detach()`): the layers below get the gradient through h and h' only,
 * so from injection on they learn through the new head's capacity. With `detachCopy` false the gradient also
 * flows back through h'' (minus): then at injection it is exactly that of h alone, and with plain SGD and a
 * one-layer head the injected model trains exactly like the old one.
 */
export class Injection implements Layer {
  readonly type = 'injection';
  readonly inShape: readonly number[];
  readonly params: Param[];
  readonly buffers: StateBuffer[];
  readonly children: readonly Layer[];
  output: Tensor | null = null;
  private cache: BatchCache<{ y: Tensor; dx: Tensor }>;

  constructor(
    readonly name: string,
    readonly frozen: Layer,
    readonly fresh: Layer,
    readonly copy: Layer,
    /** The specs the new heads were built from (a later injection builds its heads from them again). */
    readonly tail: readonly LayerSpec[],
    /** 1 for the first injection, 2 for the next ... */
    readonly count: number,
    private readonly backend: Backend,
    /** Stop the gradient through the frozen copy h'' (the published method). */
    readonly detachCopy = true,
  ) {
    this.inShape = frozen.inShape;
    this.children = [frozen, fresh, copy];
    this.params = [...frozen.params, ...fresh.params, ...copy.params];
    this.buffers = [...frozen.buffers, ...fresh.buffers, ...copy.buffers];
    const outPer = frozen.outShape.reduce((a, b) => a * b, 1);
    const inPer = frozen.inShape.reduce((a, b) => a * b, 1);
    this.cache = new BatchCache(
      (n) => ({ y: new Tensor(backend.alloc(n * outPer), [n, ...frozen.outShape]), dx: new Tensor(backend.alloc(n * inPer), [n, ...frozen.inShape]) }),
      (b) => {
        backend.free(b.y.data);
        backend.free(b.dx.data);
      },
    );
  }

  get outShape(): readonly number[] {
    return this.frozen.outShape;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const a = this.frozen.forward(x, ctx);
    const b = this.fresh.forward(x, ctx);
    const c = this.copy.forward(x, ctx);
    const { y } = this.cache.get(x.shape[0]!);
    // (h' - h'') first: exactly zero while h' = h'', so the output is then exactly h(x).
    this.backend.copy(b.data, y.data);
    this.backend.axpy(-1, c.data, y.data);
    this.backend.axpy(1, a.data, y.data);
    this.output = y;
    return y;
  }

  backward(dy: Tensor, sink: GradSink, needInputGrad: boolean): Tensor | null {
    const da = this.frozen.backward(dy, sink, needInputGrad);
    const db = this.fresh.backward(dy, sink, needInputGrad);
    // A detached copy passes no gradient anywhere (its parameters are frozen too): nothing to run.
    const dc = this.detachCopy ? null : this.copy.backward(dy, sink, needInputGrad);
    if (!needInputGrad) return null;
    const { dx } = this.cache.get(dy.shape[0]!);
    this.backend.copy(db!.data, dx.data);
    if (dc) this.backend.axpy(-1, dc.data, dx.data);
    this.backend.axpy(1, da!.data, dx.data);
    return dx;
  }
}
