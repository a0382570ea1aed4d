import type { Backend } from '../backend/Backend.js';
import type { Rng } from '../tensor/Rng.js';
import { biasInit, gainOf, weightInit, type GainName } from './init.js';
import type { Layer } from './Layer.js';
import type { InitOptions, LayerSpec } from './LayerSpec.js';
import { ActivationLayer } from './layers/ActivationLayer.js';
import { BatchNorm } from './layers/BatchNorm.js';
import { Conv2d } from './layers/Conv2d.js';
import { CReLU } from './layers/CReLU.js';
import { Dropout } from './layers/Dropout.js';
import { Flatten } from './layers/Flatten.js';
import { GlobalAvgPool } from './layers/GlobalAvgPool.js';
import { LayerNorm } from './layers/LayerNorm.js';
import { Linear } from './layers/Linear.js';
import { MaxPool2d } from './layers/MaxPool2d.js';
import { OnlineNorm, onlineNormDefaults } from './layers/OnlineNorm.js';
import { SpectralConv2d, SpectralLinear, spectralNormDefaults, type SpectralNormOptions } from './layers/SpectralNorm.js';
import type { SpectralNormSpec } from './LayerSpec.js';
import { Residual } from './layers/Residual.js';
import { Sequential } from './layers/Sequential.js';
import { ClassToken } from './layers/ClassToken.js';
import { MultiHeadAttention } from './layers/MultiHeadAttention.js';
import { PatchEmbed } from './layers/PatchEmbed.js';
import { PositionEmbedding } from './layers/PositionEmbedding.js';
import { TokenPool } from './layers/TokenPool.js';
import { Tokenwise } from './layers/Tokenwise.js';

const prefixes: Record<LayerSpec['type'], string> = {
  linear: 'fc',
  conv2d: 'conv',
  maxpool2d: 'pool',
  'global-avg-pool': 'gap',
  flatten: 'flatten',
  batchnorm: 'bn',
  layernorm: 'ln',
  'online-norm': 'onorm',
  dropout: 'dropout',
  activation: 'act',
  crelu: 'crelu',
  sequential: 'seq',
  residual: 'block',
  tokenwise: 'tok',
  attention: 'attn',
  'position-embedding': 'pos',
  'patch-embed': 'patch',
  'class-token': 'cls',
  'token-pool': 'tokpool',
};

/** Generates layer names per type within a scope: fc1, fc2, conv1, block1.conv1 ... */
class NameScope {
  private counts = new Map<string, number>();
  private used = new Set<string>();
  constructor(private readonly prefix: string, private readonly root: Set<string>) {}

  next(spec: LayerSpec): string {
    const base = spec.type === 'activation' ? spec.fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : prefixes[spec.type];
    let name: string;
    if (spec.name) name = this.prefix + spec.name;
    else {
      const k = (this.counts.get(base) ?? 0) + 1;
      this.counts.set(base, k);
      name = `${this.prefix}${base}${k}`;
    }
    if (this.root.has(name)) throw new Error(`model: the layer name '${name}' is used twice`);
    this.root.add(name);
    this.used.add(name);
    return name;
  }

  /** The scope inside a layer with this full name. */
  child(name: string): NameScope {
    return new NameScope(`${name}.`, this.root);
  }

  /** A nested scope named relative to this one. */
  sub(local: string): NameScope {
    return new NameScope(`${this.prefix}${local}.`, this.root);
  }
}

export interface BuildContext {
  readonly backend: Backend;
  readonly rng: Rng;
}

/** Build a layer (and its children) for a per-example input shape. */
export function buildLayer(spec: LayerSpec, inShape: readonly number[], ctx: BuildContext): Layer {
  return build(spec, inShape, ctx, new NameScope('', new Set()));
}

/** Build a chain of layers at the top level (names without prefix: fc1, relu1, ...). */
export function buildChain(specs: readonly LayerSpec[], inShape: readonly number[], ctx: BuildContext): Layer[] {
  return chain(specs, inShape, ctx, new NameScope('', new Set()));
}

function build(spec: LayerSpec, inShape: readonly number[], ctx: BuildContext, scope: NameScope): Layer {
  const { backend } = ctx;
  const name = scope.next(spec);
  const rng = ctx.rng.split(name);
  const per = inShape.reduce((a, b) => a * b, 1);
  switch (spec.type) {
    case 'linear': {
      if (inShape.length !== 1) throw new Error(`${name} (linear): input must be [features] per example, got [${inShape.join(', ')}]; add a flatten layer`);
      const out = positiveInt(spec.out, `${name}.out`);
      const inits = initsFor(spec, per, out);
      const opts = { weightInit: inits.weight, biasInit: spec.bias === false ? null : inits.bias };
      const sn = spectralOptions(spec.spectralNorm);
      return sn ? new SpectralLinear(name, per, out, opts, sn, backend, rng) : new Linear(name, per, out, opts, backend, rng);
    }
    case 'conv2d': {
      const out = positiveInt(spec.out, `${name}.out`);
      const k = positiveInt(spec.kernel, `${name}.kernel`);
      const fanIn = (inShape[0] ?? 1) * k * k;
      const inits = initsFor(spec, fanIn, out * k * k);
      const opts = { kernel: k, stride: spec.stride ?? 1, padding: spec.padding ?? 0, weightInit: inits.weight, biasInit: spec.bias === false ? null : inits.bias };
      const sn = spectralOptions(spec.spectralNorm);
      return sn ? new SpectralConv2d(name, inShape, out, opts, sn, backend, rng) : new Conv2d(name, inShape, out, opts, backend, rng);
    }
    case 'maxpool2d':
      return new MaxPool2d(name, inShape, positiveInt(spec.kernel, `${name}.kernel`), spec.stride ?? spec.kernel, backend);
    case 'global-avg-pool':
      return new GlobalAvgPool(name, inShape, backend);
    case 'flatten':
      return new Flatten(name, inShape);
    case 'batchnorm':
      return new BatchNorm(name, inShape, spec.eps ?? 1e-5, spec.momentum ?? 0.1, backend, rng);
    case 'layernorm':
      return new LayerNorm(name, inShape, spec.eps ?? 1e-5, backend, rng);
    case 'online-norm': {
      const { type: _type, name: _name, ...given } = spec;
      const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
      return new OnlineNorm(name, inShape, { ...onlineNormDefaults, ...defined }, backend, rng);
    }
    case 'dropout':
      return new Dropout(name, inShape, spec.p, backend, rng);
    case 'activation': {
      const param = spec.param ?? (spec.fn === 'leakyRelu' ? 0.01 : spec.fn === 'elu' ? 1 : 0);
      return new ActivationLayer(name, spec.fn, param, inShape, backend);
    }
    case 'crelu':
      return new CReLU(name, inShape, backend);
    case 'sequential': {
      const inner = scope.child(name);
      return new Sequential(name, chain(spec.layers, inShape, { backend, rng }, inner), inShape);
    }
    case 'residual': {
      const inner = scope.child(name);
      const sub = { backend, rng };
      const main = new Sequential(`${name}.main`, chain(spec.main, inShape, sub, inner), inShape);
      const shortcut = spec.shortcut && spec.shortcut.length > 0 ? new Sequential(`${name}.shortcut`, chain(spec.shortcut, inShape, sub, inner.sub('shortcut')), inShape) : null;
      return new Residual(name, main, shortcut, backend);
    }
    case 'tokenwise': {
      if (inShape.length !== 2) throw new Error(`${name} (tokenwise): input must be [tokens, features] per example, got [${inShape.join(', ')}]`);
      return new Tokenwise(name, inShape, chain(spec.layers, [inShape[1]!], { backend, rng }, scope.child(name)));
    }
    case 'attention':
      return new MultiHeadAttention(name, inShape, spec.heads, spec.causal ?? false, spec.bias ?? true, backend, rng);
    case 'position-embedding':
      return new PositionEmbedding(name, inShape, spec.kind, backend, rng);
    case 'patch-embed': {
      const p = positiveInt(spec.patch, `${name}.patch`);
      const out = positiveInt(spec.out, `${name}.out`);
      const inits = initsFor(spec, (inShape[0] ?? 1) * p * p, out * p * p);
      return new PatchEmbed(name, inShape, p, out, inits, backend, rng);
    }
    case 'class-token':
      return new ClassToken(name, inShape, backend, rng);
    case 'token-pool':
      return new TokenPool(name, inShape, spec.mode, backend);
  }
}

function chain(specs: readonly LayerSpec[], inShape: readonly number[], ctx: BuildContext, scope: NameScope): Layer[] {
  const layers: Layer[] = [];
  let shape = inShape;
  for (const s of specs) {
    const l = build(s, shape, ctx, scope);
    layers.push(l);
    shape = l.outShape;
  }
  return layers;
}

function initsFor(spec: InitOptions, fanIn: number, fanOut: number) {
  const scheme = spec.init ?? 'torch-default';
  const gain = typeof spec.gain === 'number' ? spec.gain : gainOf((spec.gain ?? 'linear') as GainName, spec.gainSlope ?? 0.01);
  return { weight: weightInit(scheme, fanIn, fanOut, gain), bias: biasInit(spec.biasInit ?? (scheme === 'torch-default' ? 'torch-default' : 'zero'), fanIn) };
}

function spectralOptions(s: SpectralNormSpec | undefined): SpectralNormOptions | null {
  if (!s) return null;
  if (s === true) return spectralNormDefaults;
  return { iterations: s.iterations ?? spectralNormDefaults.iterations, eps: s.eps ?? spectralNormDefaults.eps };
}

function positiveInt(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${field}: ${v} is not allowed; a positive integer is required`);
  return v;
}
