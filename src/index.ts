// supple: train neural networks that keep learning. The public API.

// Tensors and randomness
export { Tensor, shapeSize } from './tensor/Tensor.js';
export type { FloatArray } from './tensor/FloatArray.js';
export { Rng, type RngState } from './tensor/Rng.js';

// Backends
export type { Backend, BackendName, BackendChoice, ActivationName, ActivationCode } from './backend/Backend.js';
export { Activation } from './backend/Backend.js';
export { getBackend, availableBackends, backendNames } from './backend/selectBackend.js';
export { createTsBackend } from './backend/ts/tsBackend.js';

// Layers, models, units, edits
export * from './nn/LayerSpec.js';
export type { Layer, GradSink, GradTarget, ForwardContext } from './nn/Layer.js';
export type { Param, ParamRole, StateBuffer } from './nn/Param.js';
export { Model, type BuildModelOptions, type ModelState } from './nn/Model.js';
export { UpdateLedger } from './nn/UpdateLedger.js';
export { mlp, type MlpOptions } from './nn/models/mlp.js';
export { convNet, type ConvNetOptions } from './nn/models/convNet.js';
export { resnet18, type ResNet18Options } from './nn/models/resnet18.js';
export { vit, sequenceTransformer, transformerBlocks, type VitOptions, type SequenceTransformerOptions, type TransformerBlockOptions } from './nn/models/vit.js';
export { modelSchema, buildModelSpec, type ModelConfig } from './nn/modelConfig.js';
export { weightInit, biasInit, gainOf, drawInit, type InitSpec, type WeightInitScheme } from './nn/init.js';
export type { UnitGroup } from './nn/UnitGroup.js';
export type { Edit, EditRecord, ReinitUnits, ScaleRows, ShrinkPerturb, ReinitParams, AddToParam, GrowHead, ResetOptimizer, ScaleBlocks, ResetBuffers, InjectHead, ClipParams } from './nn/Edit.js';
export { Linear, type LinearOptions } from './nn/layers/Linear.js';
export { Conv2d, type Conv2dOptions } from './nn/layers/Conv2d.js';
export { Sequential } from './nn/layers/Sequential.js';
export type { NormEntries, UnitConsumer } from './nn/UnitGroup.js';
export { Residual } from './nn/layers/Residual.js';
export type { SlotReset } from './nn/Slots.js';
export type { GradCheckOptions, GradCheckResult } from './nn/gradCheck.js';
export type { GainName } from './nn/init.js';
export { applyEdits, type EditTarget } from './nn/applyEdits.js';
export { ParamSlots, UnitSlots, collectSlots } from './nn/Slots.js';
export { gradCheck } from './nn/gradCheck.js';

// Optimizers
export type { Transform, UpdateContext, Affine, StepClock } from './optim/Transform.js';
export type { AdamState } from './optim/transforms.js';
export { applyUpdates } from './optim/Transform.js';
export { chain, scale, scaleByLearningRate, addDecayedWeights, trace, scaleByAdam, clipByGlobalNorm, clipByValue } from './optim/transforms.js';
export { sgd, adam, adamw } from './optim/optimizers.js';
export { scheduleAt, stepDecay, type Schedule } from './optim/schedules.js';
export { optimizerSchema, buildOptimizer, type OptimizerConfig } from './optim/optimizerConfig.js';

// Losses and the training step
export type { Loss, LossValue } from './losses/Loss.js';
export { crossEntropy } from './losses/crossEntropy.js';
export { meanSquaredError } from './losses/meanSquaredError.js';
export { Learner, type LearnerOptions } from './learn/Learner.js';
export type { LinearRegularizer } from './learn/LinearRegularizer.js';
export type { AuxiliaryLoss } from './learn/AuxiliaryLoss.js';
export type { Batch as LearnBatch, ExampleSource, TaskInfo } from './learn/Batch.js';

// Extension points
export type { Method, MethodInstance, MethodContext, StepInfo, BoundaryInfo, GrowthInfo } from './learn/Method.js';
export type { Benchmark, Stream, Task, Batch, EvalSet, DataSource } from './benchmarks/Benchmark.js';
export type { Diagnostic, DiagnosticContext, Tracker } from './diagnostics/Diagnostic.js';
export { parseConfig, ConfigError } from './config/parseConfig.js';

// Benchmarks
export { benchmarkRegistry, registerBenchmark, getBenchmark, benchmarkNames, allBenchmarks, createStream } from './benchmarks/index.js';
export type { BatchCursor, CursorState, TaskSchedule, TaskStart, LearnerDefaults, BenchmarkContext, CommonStreamOptions } from './benchmarks/Benchmark.js';
export { permutedMnist, permutedMnistSchema, type PermutedMnistConfig, type PermutedTask } from './benchmarks/permutedMnist.js';
export { slowlyChangingRegression, slowlyChangingRegressionSchema, drawLtuTarget, ltuTargetValue, type SlowlyChangingRegressionConfig, type LtuTarget } from './benchmarks/slowlyChangingRegression.js';
export { randomLabels, randomLabelsSchema, type RandomLabelsConfig } from './benchmarks/randomLabels.js';
export { classIncremental, classIncrementalSchema, type ClassIncrementalConfig } from './benchmarks/classIncremental.js';
export { continualBinary, continualBinarySchema, type ContinualBinaryConfig } from './benchmarks/continualBinary.js';
export { warmStart, warmStartSchema, type WarmStartConfig } from './benchmarks/warmStart.js';
export { Augmenter, augmentSchema, type AugmentConfig } from './benchmarks/Augmenter.js';
export { ImageEncoder, type Normalization } from './benchmarks/ImageEncoder.js';
export { imageTask, type ImageTaskOptions, type Selection } from './benchmarks/imageTask.js';
export { BatchPool, streamPools, type StreamPools } from './benchmarks/BatchPool.js';
export type { ImageSet, ImageSplit } from './benchmarks/data/ImageSet.js';
export { channelStats, indicesByClass } from './benchmarks/data/ImageSet.js';
export type { DatasetSpec, DatasetFile, DownloadProgress, FoundFiles, LoadOptions } from './benchmarks/data/DatasetSpec.js';
export { loadImageSet, fetchDataset, datasetNames, getDataset, registerDataset, imageDatasetNames } from './benchmarks/data/datasets.js';
export { resolveDataSource, defaultCacheDir, type DataSourceOptions } from './benchmarks/data/dataSource.js';
export { locateDataset, MissingDataError } from './benchmarks/data/locateDataset.js';
export { parseIdx } from './benchmarks/data/idx.js';
export { parseNpy } from './benchmarks/data/npy.js';
export { parseMat5 } from './benchmarks/data/mat5.js';
// Report
export { writeReport, type ReportResult, type WrittenFigure } from './report/writeReport.js';
export { loadRuns, findRunFolders, type LoadedRuns } from './report/loadRuns.js';
export { readRunFolder, type RunData, type RunRecord, type RunSummary } from './report/RunFolder.js';
export type { Condition } from './report/groupConditions.js';
export { reportOptionsSchema, type ReportOptions, type ReportOptionsInput } from './report/reportOptions.js';
export { startDashboard, type Dashboard, type DashboardOptions } from './serve/startDashboard.js';
export { RunStore, type RunInfo, type ReportInfo, type MetricsEvent, type ServedRoot } from './serve/RunStore.js';
export { JsonlTail, type TailRead } from './serve/JsonlTail.js';
export type { ConditionSummary, FinalMetric, MeanSe } from './report/summarizeConditions.js';
// Diagnostics
export type { TrackerDefinition, TrackerContext } from './diagnostics/Diagnostic.js';
export { diagnosticRegistry, registerDiagnostic, registeredDiagnostics, diagnosticNames, getDiagnostic, defaultDiagnostics, isTracker, type ProbeDefinition } from './diagnostics/index.js';
export { createProbeRunner, probeSchema, buildProbeSchema, type ProbeConfig, type Probes, type ProbeRunnerOptions } from './diagnostics/ProbeRunner.js';
export { deadFraction, dormantFraction, linearFraction, featureNorm, deadUnits, dormantUnits, linearUnits } from './diagnostics/unitActivity.js';
export { effectiveRank, stableRank, approxRank } from './diagnostics/featureRank.js';
export { weightMagnitude, distanceFromInit } from './diagnostics/weightStats.js';
export { gradientNorm, ntkRank } from './diagnostics/gradientStats.js';
export { plasticityProbe, type PlasticityProbeConfig } from './diagnostics/plasticityProbe.js';
export { updateSize } from './diagnostics/updateSize.js';
export { hessianMaxEigenvalue } from './diagnostics/hessianMaxEigenvalue.js';
export { hessianTrace } from './diagnostics/hessianTrace.js';
export { gradientCovariance } from './diagnostics/gradientCovariance.js';
export { HessianOperator } from './diagnostics/hessianVectorProduct.js';
export { singularValues, symmetricEigenvalues, useSymmetricEigenvalues, type SymmetricEigenvalues } from './diagnostics/singularValues.js';
export { effectiveRankOf, stableRankOf, approxRankOf } from './diagnostics/spectrum.js';
// Methods
export {
  methodRegistry, registerMethod, getMethod, methodNames, allMethods, parseMethodList, configureMethod, createMethods, type MethodSetup, type MethodConfig,
  bp, cbp, redo, shrinkPerturb, l2, l2Init, headReset, fullReset, dash, plasticityInjection,
  weightClipping, hareTortoise, upgd, infer, trac,
} from './methods/index.js';
export { utilityPerturbation, type UtilityPerturbationOptions, type UtilityPerturbationState } from './optim/utilityPerturbation.js';
export { trac as tracTransform, erfi, type TracOptions, type TracState } from './optim/trac.js';
export type { CbpConfig, CbpState } from './methods/cbp.js';
export type { RedoConfig, RedoState } from './methods/redo.js';
export type { ShrinkPerturbConfig, ShrinkPerturbState } from './methods/shrinkPerturb.js';
export type { DashConfig, DashState } from './methods/dash.js';
export { spectralNormModes, type SpectralNormMode } from './nn/models/mlp.js';
export { SpectralLinear, SpectralConv2d, type SpectralNormOptions } from './nn/layers/SpectralNorm.js';
export { OnlineNorm, type OnlineNormOptions } from './nn/layers/OnlineNorm.js';
export { Injection } from './nn/layers/Injection.js';
// Experiments
export { trainLoop, trainLoopAsync, initialLoopState, type LoopParts, type LoopState, type MetricRecord,  } from './experiment/trainLoop.js';
export type { ProbeRunner } from './learn/ProbeRunner.js';
export type { RunMethod } from './learn/RunMethod.js';
export { startRun, resumeRun, type RunSummary as ExperimentSummary, type Progress, type ExperimentOptions } from './experiment/runExperiment.js';
export type { RunStatus } from './experiment/runExperiment.js';
export { resolveRunConfig, runOptionsSchema, type RunConfig, type RunRequest, type Catalog } from './experiment/runConfig.js';
export { catalog } from './experiment/catalog.js';
export { presets, presetList } from './experiment/presets.js';
export type { Preset, PresetCondition } from './experiment/Preset.js';
export { expandSweep, readSweepFile, sweepSchema, type SweepFile, type SweepPoint } from './experiment/sweep.js';
export { Registry, type RegistryOptions } from './config/Registry.js';
export type { Settings } from './experiment/settings.js';
export type { ProbeFactory } from './learn/ProbeFactory.js';
export type { TaskEvents } from './methods/taskEvents.js';
export type { HiddenActivation } from './nn/models/mlp.js';
export type { SpectralNormState } from './nn/layers/SpectralNorm.js';
export type { OnlineNormEcm } from './nn/layers/OnlineNorm.js';
export type { IdxArray } from './benchmarks/data/idx.js';
export type { NpyArray } from './benchmarks/data/npy.js';
export type { MatArray } from './benchmarks/data/mat5.js';
export type { FetchOptions } from './benchmarks/data/fetchDataset.js';
export type { XAxis } from './report/runSeries.js';
export { describeSchema, type OptionDoc } from './config/describeSchema.js';
// Reinforcement learning: environments
export * from './rl/envs/index.js';
export {
  AntEnv,
  makeAnt,
  antV3Spec,
  antXmlPath,
  antParamSpecs,
  type AntOptions,
  type AntSpec,
  type AntState,
  type AntContactForces,
} from './rl/envs/ant/AntEnv.js';
export { loadMujoco, mujocoUnavailable, type MujocoModule, type LoadMujocoOptions } from './rl/envs/mujoco/loadMujoco.js';
export { antOptionsSchema, antOptions, type AntConfig } from './rl/envs/ant/antOptionsSchema.js';
// Exports and imports: other tools' formats, PyTorch weights, own data sets, model summaries
export { exportRun, exportFormats, defaultExportPath, type ExportFormat, type ExportResult } from './export/exportRun.js';
export { TensorBoardWriter, readEventFile, tfRecord, type ScalarEvent } from './export/TensorBoardWriter.js';
export { writeWandbOffline, wandbLog, type WandbRunInfo } from './export/wandbOffline.js';
export { metricTable, metricCsv, type MetricTable } from './export/metricRows.js';
export { torchModuleSource } from './export/torchModule.js';
export { encodeSafetensors, decodeSafetensors, type SafeTensor, type SafeDtype } from './nn/safetensors.js';
export { loadSafetensorsInto, modelStateToSafetensors, stateToTorchTensors, torchName } from './nn/torchWeights.js';
export { registerCustomDataset, readCustomImageSet } from './benchmarks/data/customDataset.js';
export { decodePng, type DecodedImage } from './benchmarks/data/decodePng.js';
export { modelSummary, formatModelSummary, type ModelSummary, type LayerRow } from './experiment/modelSummary.js';
export { describeRun, type RunDescription } from './experiment/describeRun.js';
export { collectProvenance, type Provenance } from './experiment/provenance.js';
export { readRunFile, runFileSchema, type RunFile } from './experiment/runFile.js';
// Reinforcement learning: the PPO agent, its loop and runner
export { PpoAgent, RolloutExamples, NETS, type NetName, type AgentNet, type PpoAgentOptions, type PpoAgentState, type UpdateStats } from './rl/ppo.js';
export { SplitStep, jointClipFactor } from './rl/jointStep.js';
export { ppoSchema, ppoInits, type PpoConfig } from './rl/ppoConfig.js';
export { CategoricalPolicyLoss, GaussianPolicyLoss, ValueLoss, type PolicyStats, type PolicyLossOptions, type ValueStats } from './rl/ppoLosses.js';
export { computeGae, explainedVariance } from './rl/gae.js';
export { orthogonalInit } from './rl/orthogonalInit.js';
export { rlLoop, initialRlLoopState, TIMING_KEYS, type RlLoopParts, type RlLoopState, type RlRecord } from './rl/rlLoop.js';
export { rlBenchmarkRegistry, cleanrlContinuous, dohareAgent, type RlBenchmark } from './rl/rlBenchmarks.js';
export { antEnvSpec, ensureAntRegistered } from './rl/antEnvSpec.js';
export { resolveRlRunConfig, startRlRun, resumeRlRun, isRlRunFolder, type RlRunConfig, type RlCatalog, type RlProgress, type RlRunOptions } from './experiment/runRl.js';
export { rlPresetList } from './experiment/rlPresets.js';
// DQN, its replay buffer and loop; value heads; Lyle et al.'s classification MDP
export { DqnAgent, ReplayExamples, linearSchedule, type DqnAgentOptions, type DqnAgentState, type DqnNet, type TargetFit } from './rl/dqn.js';
export { dqnSchema, dqnBehaviors, type DqnConfig } from './rl/dqnConfig.js';
export { DqnLoss, type TdStats } from './rl/dqnLoss.js';
export { dqnLoop, initialDqnLoopState, type DqnLoopParts, type DqnLoopState } from './rl/dqnLoop.js';
export { ReplayBuffer, type ReplayBufferState } from './rl/ReplayBuffer.js';
export { NStepAccumulator, type NStepAccumulatorState } from './rl/NStepAccumulator.js';
export { classificationMdpAgent } from './rl/rlBenchmarks.js';
export { ClassificationMdp, classificationMdpSpec, classificationTables, classificationRewardKinds, classificationMdpOptionsSchema, type ClassificationMdpOptions, type MdpTables } from './rl/envs/ClassificationMdp.js';
export { ValueHead, valueHeadSchema, valueHeadKinds, type ValueHeadConfig, type ValueHeadKind } from './losses/valueHead.js';
export { CategoricalValueLoss } from './losses/categoricalValueLoss.js';
