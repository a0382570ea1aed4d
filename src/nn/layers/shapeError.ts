import type { Tensor } from '../../tensor/Tensor.js';
import { shapeString } from '../../tensor/Tensor.js';

/** Reject an input whose per-example shape differs from what the layer was built for. */
export function checkInput(layer: { name: string; type: string; inShape: readonly number[] }, x: Tensor): void {
  const expected = layer.inShape;
  const got = x.shape;
  if (got.length === 0 || got[0] === 0) {
    throw new Error(`${layer.name} (${layer.type}): the batch is empty (input shape ${shapeString(got)}); a batch needs at least 1 example`);
  }
  let same = got.length === expected.length + 1;
  for (let i = 0; same && i < expected.length; i++) same = got[i + 1] === expected[i];
  if (!same) {
    throw new Error(
      `${layer.name} (${layer.type}): input shape ${shapeString(got)} does not match; expected [N, ${expected.join(', ')}]`,
    );
  }
}

/** Reject an output gradient whose shape differs from the last forward's output. */
export function checkGrad(layer: { name: string; type: string }, dy: Tensor, y: Tensor | null): void {
  if (y === null) throw new Error(`${layer.name} (${layer.type}): backward called before forward`);
  if (dy.data.length !== y.data.length || dy.shape[0] !== y.shape[0]) {
    throw new Error(
      `${layer.name} (${layer.type}): output gradient shape ${shapeString(dy.shape)} does not match the output ${shapeString(y.shape)}`,
    );
  }
}
