import { Registry } from '../config/Registry.js';
import type { Preset, PresetCondition } from './Preset.js';
import type { Settings } from './settings.js';
import { rlPresetList } from './rlPresets.js';

/**
 * Presets that reproduce the seed papers. 'full' presets use the paper's settings (hours to days of compute);
 * 'laptop' presets cut the same protocol down so that it runs in minutes on two cores and keeps the paper's
 * direction (what they change is said in each description). Method settings are keyed by method name, so a
 * preset can carry every condition's settings and each run takes only those of its methods.
 */

const DOHARE = 'Dohare, Hernandez-Garcia, Lan, Rahman, Mahmood, Sutton. Loss of plasticity in deep continual learning. Nature 632 (2024)';
const LYLE = 'Lyle, Zheng, Nikishin, Avila Pires, Pascanu, Dabney. Understanding plasticity in neural networks. ICML 2023';
const SHIN = 'Shin, Oh, Cho, Yun. DASH: Warm-Starting Neural Network Training in Stationary Settings without Loss of Plasticity. NeurIPS 2024';

/**
 * Dohare et al.'s online permuted MNIST conditions (lop/permuted_mnist/cfg). Shrink-perturb shrinks by
 * 1 - lr * decay after every step (the reference: weight decay in SGD) and adds N(0, 1e-5^2) noise.
 */
function permutedMnistConditions(lr: number, decay = 1e-4): PresetCondition[] {
  return [
    { label: 'bp', methods: ['bp'] },
    { label: 'l2', methods: ['l2'], set: { 'l2.coef': 1e-4 } },
    // The reference adds weight decay inside SGD and N(0, perturb_scale^2) noise after every step.
    { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'shrink-perturb.schedule': 'every-step', 'shrink-perturb.shrink': 1 - lr * decay, 'shrink-perturb.noise': 1e-5 } },
    { label: 'cbp', methods: ['cbp'] },
    { label: 'adam', methods: ['bp'], set: { 'optimizer.name': 'adam', 'optimizer.lr': 1e-4 } },
    { label: 'dropout', methods: ['bp'], set: { 'model.dropout': 0.1 } },
    { label: 'online-norm', methods: ['bp'], set: { 'model.onlineNorm': true } },
  ];
}
const cbpPermutedMnist = { 'cbp.utility': 'adaptable', 'cbp.rate': 1e-4, 'cbp.maturity': 100, 'cbp.decay': 0.99 };

const activations = ['relu', 'tanh', 'sigmoid', 'elu', 'leakyRelu', 'swish'] as const;

/** The interventions (rows) of Lyle et al.'s table, as condition methods and settings. */
export const lyleInterventions: readonly PresetCondition[] = [
  { label: 'none', methods: ['bp'] },
  { label: 'reset last layer', methods: ['head-reset'] },
  { label: 'weight decay', methods: ['l2'], set: { 'l2.coef': 1e-4 } },
  { label: 'spectral norm', methods: ['bp'], set: { 'model.spectralNorm': 'all' } },
  { label: 'layer norm', methods: ['bp'], set: { 'model.layerNorm': true } },
  { label: 'shrink & perturb', methods: ['shrink-perturb'], set: { 'shrink-perturb.schedule': 'at-boundary', 'shrink-perturb.shrink': 0.8, 'shrink-perturb.noise': 0.01 } },
];

/** The two target-fitting losses of the table: a random class (cross-entropy; targets 'classes') or a random real target (squared error; targets 'regression'). */
export const lyleTargets = ['categorical', 'regression'] as const;

/** The table's column of the classification MDP (a DQN, not an architecture of the supervised columns). */
export const LYLE_MDP_COLUMN = 'classification-mdp';

/**
 * The same interventions on the classification MDP's Q-network (DQN; settings keyed by the RL runner's sections).
 * A target update is the MDP's new target (its "draw"), so resetting the last layer and shrink & perturb act every
 * `boundaryEvery` target updates; weight decay is the L2 term inside Adam (agent.weightDecay, as the
 * lyle-classification-mdp presets); spectral norm covers every layer of the Q-network, as the supervised MLP's.
 */
function lyleMdpInterventions(boundaryEvery: number): Record<string, PresetCondition> {
  return {
    none: { label: 'none', methods: ['bp'] },
    'reset last layer': { label: 'reset last layer', methods: ['head-reset'], set: { 'agent.boundaryEveryTargetUpdates': boundaryEvery } },
    'weight decay': { label: 'weight decay', methods: ['bp'], set: { 'agent.weightDecay': 1e-4 } },
    'spectral norm': { label: 'spectral norm', methods: ['bp'], set: { 'agent.spectralNorm': 'all' } },
    'layer norm': { label: 'layer norm', methods: ['bp'], set: { 'agent.layerNorm': true } },
    'shrink & perturb': {
      label: 'shrink & perturb',
      methods: ['shrink-perturb'],
      set: { 'agent.boundaryEveryTargetUpdates': boundaryEvery, 'shrink-perturb.schedule': 'at-boundary', 'shrink-perturb.shrink': 0.8, 'shrink-perturb.noise': 0.01 },
    },
  };
}

/**
 * The MDP's two target-fitting losses: regression = a scalar Q-value per action with the MSE TD loss, categorical =
 * HL-Gauss (51 bins on [-1, 11], sigma 0.75 bin widths) with cross-entropy, as the lyle-classification-mdp presets.
 */
const lyleMdpTargets: Record<(typeof lyleTargets)[number], Settings> = {
  categorical: { 'agent.valueHead': { kind: 'hl-gauss', bins: 51, min: -1, max: 11, sigmaRatio: 0.75 } },
  regression: { 'agent.valueHead': { kind: 'scalar', bins: 51, min: -1, max: 11, sigmaRatio: 0.75 }, 'agent.loss': 'mse' },
};


/**
 * The supervised presets: quickstart, then each paper's full and laptop-scale settings (the RL presets are in
 * {@link rlPresetList}).
 */
export const presetList: Preset[] = [
  {
    name: 'quickstart',
    description: 'The default run: online permuted digits (the 8x8 scikit-learn digits shipped with supple), 64-100-100-100-10, SGD lr 0.03, 300 tasks of 1437 images; plain backprop loses most of its online accuracy in seconds (77% over the first 10 tasks to 9-36% over the last 10, seeds 0-2 on native), continual backprop keeps it (77-78%)',
    paper: DOHARE,
    scale: 'laptop',
    benchmark: 'permuted-mnist',
    methods: ['bp'],
    set: { dataset: 'digits', tasks: 300, 'optimizer.lr': 0.03, 'probes.everyTasks': 5, ...cbpPermutedMnist },
    conditions: permutedMnistConditions(0.03, 1e-3).filter((c) => ['bp', 'cbp', 'shrink-perturb'].includes(c.label)),
  },
  {
    name: 'dohare-permuted-mnist',
    description: 'Online permuted MNIST, 800 tasks of 60000 images, 784-2000-2000-2000-10, SGD lr 0.003, batch 1 (Fig. 1 and Extended Data)',
    paper: DOHARE,
    scale: 'full',
    benchmark: 'permuted-mnist',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 800, 'model.hidden': [2000, 2000, 2000], 'optimizer.lr': 0.003, ...cbpPermutedMnist },
    conditions: permutedMnistConditions(0.003),
  },
  {
    name: 'dohare-permuted-mnist-small',
    description: 'The same with 100-unit layers (784-100-100-100-10), as the small-net configs of the reference code',
    paper: DOHARE,
    scale: 'full',
    benchmark: 'permuted-mnist',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 800, 'model.hidden': [100, 100, 100], 'optimizer.lr': 0.003, ...cbpPermutedMnist },
    conditions: permutedMnistConditions(0.003),
  },
  {
    name: 'dohare-permuted-mnist-laptop',
    description: 'Laptop scale: 100-unit layers, 100 tasks, each one pass over the same random subset of 20000 training images under a new permutation, SGD lr 0.01 (a step size of the paper\'s sweep, where loss of plasticity shows sooner), shrink-perturb with decay 1e-3 (of the paper\'s sweep; 1e-4 only halves the loss at this step size); bp, cbp, shrink-perturb',
    paper: DOHARE,
    scale: 'laptop',
    benchmark: 'permuted-mnist',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 100, examplesPerTask: 20000, 'model.hidden': [100, 100, 100], 'optimizer.lr': 0.01, ...cbpPermutedMnist },
    conditions: permutedMnistConditions(0.01, 1e-3).filter((c) => ['bp', 'cbp', 'shrink-perturb'].includes(c.label)),
  },
  {
    name: 'dohare-slowly-changing-regression',
    description: "Slowly-changing regression, flip-one, 3M examples, 20-5-1 learner, SGD lr 0.01, batch 1: the six activations, bp and cbp (rho 1e-4, maturity 100); the target's LTU thresholds as the reference code computes them (lop/nets/fix_ltu_net.py), which made the paper's figures (thresholds=paper: the text's rule)",
    paper: DOHARE,
    scale: 'full',
    benchmark: 'slowly-changing-regression',
    methods: ['bp'],
    set: { variant: 'flip-one', thresholds: 'reference-code', 'optimizer.lr': 0.01, 'cbp.utility': 'adaptable', 'cbp.rate': 1e-4, 'cbp.maturity': 100 },
    conditions: activations.flatMap((a) => [
      { label: `bp ${a}`, methods: ['bp'], set: { 'model.activation': a } },
      { label: `cbp ${a}`, methods: ['cbp'], set: { 'model.activation': a } },
    ]),
  },
  {
    name: 'dohare-slowly-changing-regression-laptop',
    description: "Laptop scale: the same protocol with ReLU only, 1M examples (100 flip periods); bp and cbp; the reference code's LTU thresholds, as the paper's figures",
    paper: DOHARE,
    scale: 'laptop',
    benchmark: 'slowly-changing-regression',
    methods: ['bp'],
    set: { variant: 'flip-one', thresholds: 'reference-code', tasks: 100, 'optimizer.lr': 0.01, 'model.activation': 'relu', 'cbp.utility': 'adaptable', 'cbp.rate': 1e-4, 'cbp.maturity': 100 },
    conditions: [
      { label: 'bp', methods: ['bp'] },
      { label: 'cbp', methods: ['cbp'] },
    ],
  },
  {
    name: 'dohare-continual-imagenet',
    description: 'Continual ImageNet (32x32): 2000 binary tasks of 600 + 100 images per class, 250 epochs, batch 100, the conv net, SGD lr 0.01 (the L2 condition 0.03, as its reference config) momentum 0.9, head set to zero at every task, momentum kept',
    paper: DOHARE,
    scale: 'full',
    benchmark: 'continual-binary',
    methods: ['bp'],
    set: { dataset: 'imagenet32', 'optimizer.lr': 0.01, 'optimizer.momentum': 0.9, 'l2.coef': 3e-6, 'cbp.utility': 'adaptable', 'cbp.rate': 3e-4, 'cbp.maturity': 100 },
    conditions: [
      { label: 'bp', methods: ['bp'] },
      // lop/imagenet/cfg/l2.json: step size 0.03 with weight decay 3e-6 (the other conditions use 0.01).
      { label: 'l2', methods: ['l2'], set: { 'optimizer.lr': 0.03 } },
      { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'optimizer.weightDecay': 1e-5, 'shrink-perturb.schedule': 'every-step', 'shrink-perturb.shrink': 1, 'shrink-perturb.noise': 1e-5 } },
      { label: 'cbp', methods: ['cbp'] },
    ],
  },
  {
    name: 'dohare-continual-imagenet-laptop',
    description: 'Laptop scale: the Continual ImageNet protocol on Fashion-MNIST pairs (28x28 grey), 40 tasks, 600 + 100 images per class, 10 epochs',
    paper: DOHARE,
    scale: 'laptop',
    benchmark: 'continual-binary',
    methods: ['bp'],
    set: { dataset: 'fashion-mnist', tasks: 40, epochs: 10, 'optimizer.lr': 0.01, 'optimizer.momentum': 0.9, 'l2.coef': 3e-6, 'cbp.utility': 'adaptable', 'cbp.rate': 3e-4, 'cbp.maturity': 100 },
    conditions: [
      { label: 'bp', methods: ['bp'] },
      { label: 'l2', methods: ['l2'], set: { 'optimizer.lr': 0.03 } },
      { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'optimizer.weightDecay': 1e-5, 'shrink-perturb.schedule': 'every-step', 'shrink-perturb.shrink': 1, 'shrink-perturb.noise': 1e-5 } },
      { label: 'cbp', methods: ['cbp'] },
    ],
  },
  {
    name: 'dohare-class-incremental-cifar100',
    description: "Class-incremental CIFAR-100: ResNet-18, +5 classes every 200 epochs, SGD lr 0.1 (x0.2 at epochs 60/120/160 of each increment) momentum 0.9 weight decay 5e-4, early stopping; probes at the start of each increment (the paper's dormant-unit and rank figures; inactiveFraction is its dormant measure)",
    paper: DOHARE,
    scale: 'full',
    benchmark: 'class-incremental',
    methods: ['bp'],
    // Probes at the start of each increment, on its new classes (lop/incremental_cifar/post_run_analysis.py measures the
    // parameters saved before each increment's training).
    set: { dataset: 'cifar100', 'probes.at': 'start', 'cbp.utility': 'contribution', 'cbp.rate': 1e-5, 'cbp.maturity': 1000 },
    conditions: [
      { label: 'bp', methods: ['bp'] },
      { label: 'head-reset', methods: ['head-reset'] },
      { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'shrink-perturb.schedule': 'every-step', 'shrink-perturb.shrink': 1, 'shrink-perturb.noise': 1e-5 } },
      { label: 'cbp', methods: ['cbp'] },
    ],
  },
  {
    name: 'dohare-class-incremental-laptop',
    description: 'Laptop scale: class-incremental MNIST with the conv net, +2 classes per increment (5 increments), 10 epochs each, the same optimizer schedule shape',
    paper: DOHARE,
    scale: 'laptop',
    benchmark: 'class-incremental',
    methods: ['bp'],
    set: {
      dataset: 'mnist', tasks: 5, classesPerTask: 2, epochs: 10, examplesPerTask: 1000,
      'augment.flip': false, 'augment.cropPadding': 0, 'augment.rotateMax': 0,
      'model.arch': 'conv-net',
      'optimizer.lr': { kind: 'epochs', boundaries: [3, 6, 8], values: [0.1, 0.02, 0.004, 0.0008] },
      'cbp.utility': 'contribution', 'cbp.rate': 1e-4, 'cbp.maturity': 100,
      'probes.at': 'start',
    },
    conditions: [
      { label: 'bp', methods: ['bp'] },
      { label: 'head-reset', methods: ['head-reset'] },
      { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'shrink-perturb.schedule': 'every-step', 'shrink-perturb.shrink': 1, 'shrink-perturb.noise': 1e-5 } },
      { label: 'cbp', methods: ['cbp'] },
    ],
  },
  {
    name: 'lyle-random-labels',
    description: 'Random-label memorization of 1200 MNIST images, labels redrawn every 30000 updates (batch 16), MLP 100x3, Adam 1e-3: the interventions of Lyle et al. (reset last layer, weight decay, spectral norm, layernorm, shrink-perturb)',
    paper: LYLE,
    scale: 'full',
    benchmark: 'random-labels',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 50, taskSignal: true, 'optimizer.name': 'adam', 'optimizer.lr': 1e-3 },
    conditions: lyleConditions(),
  },
  {
    name: 'lyle-random-labels-laptop',
    description: 'Laptop scale: the same with 12 label draws of 10000 updates each',
    paper: LYLE,
    scale: 'laptop',
    benchmark: 'random-labels',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 12, stepsPerTask: 10000, taskSignal: true, 'optimizer.name': 'adam', 'optimizer.lr': 1e-3 },
    conditions: lyleConditions(),
  },
  {
    name: 'lyle-interventions',
    description:
      'The interventions x architectures table of Lyle et al.: random-label target fitting of 1200 MNIST images, 20 draws of 30000 updates (batch 16, Adam 1e-3), '
      + 'none / reset last layer / weight decay 1e-4 / spectral norm / layer norm / shrink & perturb (0.8, 0.01 at each draw) on an MLP 100x3, the conv net, ResNet-18 (width 64) '
      + 'and a ViT (patch 4, width 128, 4 blocks), each with a categorical target (a random class per image, cross-entropy) and a regression target '
      + '(a random real target per image, uniform in [-1, 1], one output, squared error); condition labels are "intervention / architecture / target". '
      + 'A last column, classification-mdp: the same interventions on a DQN learning the classification MDP (10000 MNIST images, 1M steps, target update every 1000 steps; '
      + 'reset and shrink & perturb every 10 target updates) with the MSE TD loss (regression) or HL-Gauss cross-entropy (categorical). Report: supple report draws the table',
    paper: LYLE,
    scale: 'full',
    benchmark: 'random-labels',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 20, stepsPerTask: 30000, taskSignal: true, 'optimizer.name': 'adam', 'optimizer.lr': 1e-3 },
    conditions: lyleInterventionConditions({
      mlp: { 'model.arch': 'mlp', 'model.hidden': [100, 100, 100] },
      'conv-net': { 'model.arch': 'conv-net' },
      resnet18: { 'model.arch': 'resnet18', 'model.width': 64 },
      vit: { 'model.arch': 'vit', 'model.patch': 4, 'model.width': 128, 'model.depth': 4, 'model.heads': 4 },
    }, { set: { dataset: 'mnist', images: 10_000, steps: 1_000_000 }, boundaryEvery: 10 }),
  },
  {
    name: 'lyle-interventions-laptop',
    description:
      'Laptop scale: the same table on 64 of the 8x8 digits (shipped), 8 draws of 150 updates (batch 16, Adam 1e-3), MLP 64x3, a conv net (32-64 channels, kernels 3 and 2, dense 64-64), '
      + 'a narrow ResNet-18 (width 8) and a ViT-tiny (patch 2: 16 tokens, width 32, 2 blocks, 2 heads); no diagnostics; '
      + 'the classification-mdp column on 1000 of the digits, 10k steps, a target update every 500 steps (17 targets), reset and shrink & perturb every 4. 60 conditions; '
      + '`supple sweep --preset lyle-interventions-laptop --seeds 3` runs the study (180 runs), `supple report SWEEP --out DIR` draws the table',
    paper: LYLE,
    scale: 'laptop',
    benchmark: 'random-labels',
    methods: ['bp'],
    set: { dataset: 'digits', examplesPerTask: 64, tasks: 8, stepsPerTask: 150, taskSignal: true, 'optimizer.name': 'adam', 'optimizer.lr': 1e-3, 'probes.everyTasks': 0 },
    conditions: lyleInterventionConditions({
      mlp: { 'model.arch': 'mlp', 'model.hidden': [64, 64, 64] },
      'conv-net': { 'model.arch': 'conv-net', 'model.channels': [32, 64], 'model.kernels': [3, 2], 'model.hidden': [64, 64] },
      resnet18: { 'model.arch': 'resnet18', 'model.width': 8 },
      vit: { 'model.arch': 'vit', 'model.patch': 2, 'model.width': 32, 'model.depth': 2, 'model.heads': 2 },
    }, { set: { dataset: 'digits', images: 1000, steps: 10_000, 'agent.targetNetworkFrequency': 500 }, boundaryEvery: 4 }),
  },
  {
    name: 'shin-dash-warm-start',
    description: 'Warm-starting CIFAR-10 in 50 chunks, each stage to 99.9% train accuracy, ResNet-18, SGD: cold (reset at each stage), warm, shrink-perturb, DASH',
    paper: SHIN,
    scale: 'full',
    benchmark: 'warm-start',
    methods: ['bp'],
    set: { dataset: 'cifar10', 'model.arch': 'resnet18', 'optimizer.lr': 0.001, 'optimizer.momentum': 0.9 },
    conditions: dashConditions(),
  },
  {
    name: 'shin-dash-warm-start-laptop',
    description: 'Laptop scale: warm-starting MNIST in 10 chunks of 600 images, each stage to 99.9% train accuracy (at most 100 epochs), the conv net',
    paper: SHIN,
    scale: 'laptop',
    benchmark: 'warm-start',
    methods: ['bp'],
    set: { dataset: 'mnist', tasks: 10, examplesPerTask: 600, maxEpochs: 100, 'model.arch': 'conv-net', 'optimizer.lr': 0.01, 'optimizer.momentum': 0.9 },
    conditions: dashConditions(),
  },
];

function lyleConditions(): PresetCondition[] {
  return [
    { label: 'bp', methods: ['bp'] },
    { label: 'reset last layer', methods: ['head-reset'] },
    { label: 'weight decay', methods: ['l2'], set: { 'l2.coef': 1e-4 } },
    { label: 'spectral norm', methods: ['bp'], set: { 'model.spectralNorm': 'all' } },
    { label: 'layernorm', methods: ['bp'], set: { 'model.layerNorm': true } },
    { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'shrink-perturb.schedule': 'at-boundary', 'shrink-perturb.shrink': 0.8, 'shrink-perturb.noise': 0.01 } },
  ];
}

/**
 * Every intervention x architecture x target as one condition labelled "intervention / architecture / target"
 * (the report's Lyle table reads the three parts back from the label), then the same interventions and targets on
 * the classification MDP (benchmark classification-mdp, a DQN: the column {@link LYLE_MDP_COLUMN}) with the MDP's
 * own settings `mdp.set` (none of the preset's supervised settings reach those runs).
 */
function lyleInterventionConditions(archs: Record<string, Settings>, mdp: { set: Settings; boundaryEvery: number }): PresetCondition[] {
  const out: PresetCondition[] = [];
  const onMdp = lyleMdpInterventions(mdp.boundaryEvery);
  for (const target of lyleTargets) {
    for (const [arch, archSet] of Object.entries(archs)) {
      for (const i of lyleInterventions) out.push({ label: `${i.label} / ${arch} / ${target}`, methods: i.methods, set: { ...archSet, ...i.set, targets: target === 'categorical' ? 'classes' : 'regression' } });
    }
  }
  // After the supervised conditions, so that their order (and a sweep's run folders) stays as it was.
  for (const target of lyleTargets) {
    for (const i of lyleInterventions) {
      const m = onMdp[i.label];
      if (!m) throw new Error(`lyle-interventions: intervention '${i.label}' has no classification-MDP form`);
      out.push({ label: `${i.label} / ${LYLE_MDP_COLUMN} / ${target}`, benchmark: 'classification-mdp', methods: m.methods, set: { ...mdp.set, ...m.set, ...lyleMdpTargets[target] } });
    }
  }
  return out;
}

function dashConditions(): PresetCondition[] {
  return [
    { label: 'cold', methods: ['full-reset'] },
    { label: 'warm', methods: ['bp'] },
    { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'shrink-perturb.schedule': 'at-boundary', 'shrink-perturb.shrink': 0.3, 'shrink-perturb.noise': 0.01 } },
    { label: 'dash', methods: ['dash'], set: { 'dash.alpha': 0.3, 'dash.lambda': 0.3 } },
  ];
}

/**
 * Registry of every preset by name, supervised and RL (`supple run <name>`, `--preset`); lookups of an unknown name
 * throw, listing the known ones.
 */
export const presets = new Registry<Preset>('preset');
for (const p of presetList) presets.register(p);
// RL presets (supple run cartpole / slippery-ant): resolved by the RL runner, not in the supervised list.
for (const p of rlPresetList) presets.register(p);
