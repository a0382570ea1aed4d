// supple: train neural networks that keep learning. The public API.

// Tensors and randomness
export { Tensor, shapeSize } from './tensor/Tensor.js';
export type { FloatArray } from './tensor/FloatArray.js';
export { Rng, type RngState } from './tensor/Rng.js';

// Backends
export type { Backend, BackendName, BackendChoice, ActivationName } from './backend/Backend.js';
export { Activation } from './backend/Backend.js';
export { getBackend, availableBackends, backendNames } from './backend/selectBackend.js';
export { createTsBackend } from './backend/ts/tsBackend.js';

// Layers, models, units, edits
export * from './nn/LayerSpec.js';
export type { Layer, GradSink, GradTarget, ForwardContext } from './nn/Layer.js';
export type { Param, ParamRole, StateBuffer } from './nn/Param.js';
export { Model, type BuildModelOptions, type ModelState } from './nn/Model.js';
export { mlp, type MlpOptions } from './nn/models/mlp.js';
export { convNet, type ConvNetOptions } from './nn/models/convNet.js';
export { resnet18, type ResNet18Options } from './nn/models/resnet18.js';
export { modelSchema, buildModelSpec, type ModelConfig } from './nn/modelConfig.js';
export { weightInit, biasInit, gainOf, drawInit, type InitSpec, type WeightInitScheme } from './nn/init.js';
export type { UnitGroup } from './nn/UnitGroup.js';
export type { Edit, EditRecord } from './nn/Edit.js';
export { applyEdits, type EditTarget } from './nn/applyEdits.js';
export { ParamSlots, UnitSlots, collectSlots } from './nn/Slots.js';
export { gradCheck } from './nn/gradCheck.js';

// Optimizers
export type { Transform, UpdateContext } from './optim/Transform.js';
export { applyUpdates } from './optim/Transform.js';
export { chain, scale, scaleByLearningRate, addDecayedWeights, trace, scaleByAdam, clipByGlobalNorm, clipByValue } from './optim/transforms.js';
export { sgd, adam, adamw } from './optim/optimizers.js';
export { scheduleAt, stepDecay, type Schedule } from './optim/schedules.js';
export { optimizerSchema, buildOptimizer, type OptimizerConfig } from './optim/optimizerConfig.js';

// Losses and the training step
export type { Loss, LossValue } from './losses/Loss.js';
export { crossEntropy } from './losses/crossEntropy.js';
export { meanSquaredError } from './losses/meanSquaredError.js';
export { Learner, type LearnerOptions, type LinearRegularizer } from './experiment/Learner.js';

// Extension points
export type { Method, MethodInstance, MethodContext, StepInfo, BoundaryInfo, GrowthInfo } from './methods/Method.js';
export type { Benchmark, Stream, Task, Batch, EvalSet, DataSource } from './benchmarks/Benchmark.js';
export type { Diagnostic, DiagnosticContext, Tracker } from './diagnostics/Diagnostic.js';
export { parseConfig, ConfigError } from './config/parseConfig.js';

// Methods
export {
  registerMethod, getMethod, methodNames, allMethods, parseMethodList, splitMethodConfig, configureMethod, createMethods, type MethodSetup,
  bp, cbp, redo, shrinkPerturb, l2, l2Init, headReset, fullReset, dash, plasticityInjection,
} from './methods/index.js';
export type { CbpConfig, CbpState } from './methods/cbp.js';
export type { RedoConfig, RedoState } from './methods/redo.js';
export type { ShrinkPerturbConfig, ShrinkPerturbState } from './methods/shrinkPerturb.js';
export type { DashConfig, DashState } from './methods/dash.js';
export { spectralNormModes, type SpectralNormMode } from './nn/models/mlp.js';
export { SpectralLinear, SpectralConv2d, type SpectralNormOptions } from './nn/layers/SpectralNorm.js';
export { OnlineNorm, type OnlineNormOptions } from './nn/layers/OnlineNorm.js';
export { Injection } from './nn/layers/Injection.js';
