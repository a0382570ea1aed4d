import type { Preset, PresetCondition } from './Preset.js';

const CLEANRL = 'Huang, Dossa, Ye, Braga, Chakraborty, Mehta, Araujo. CleanRL: High-quality Single-file Implementations of Deep Reinforcement Learning Algorithms. JMLR 23 (2022)';
const DOHARE = 'Dohare, Hernandez-Garcia, Lan, Rahman, Mahmood, Sutton. Loss of plasticity in deep continual learning. Nature 632 (2024)';

/**
 * The slippery-Ant conditions of Dohare et al. (Figs. 3-4): PPO with Adam (0.9, 0.999); Adam with beta1 = beta2
 * = 0.99; L2 (weight decay 1e-3, inside Adam); continual backprop (rate 1e-4, maturity 10000, contribution
 * utility) with weight decay 1e-4; ReDo (tau 0.1, every 100 updates). Each method acts on both networks.
 */
function slipperyAntConditions(): PresetCondition[] {
  return [
    { label: 'ppo', methods: ['bp'] },
    { label: 'ppo-adam-tuned', methods: ['bp'], set: { 'agent.adamB1': 0.99, 'agent.adamB2': 0.99 } },
    { label: 'ppo-l2', methods: ['bp'], set: { 'agent.weightDecay': 1e-3 } },
    { label: 'ppo-cbp-l2', methods: ['cbp'], set: { 'cbp.rate': 1e-4, 'cbp.maturity': 10000, 'cbp.utility': 'contribution', 'agent.weightDecay': 1e-4 } },
    { label: 'ppo-redo', methods: ['redo'], set: { 'redo.tau': 0.1, 'redo.period': 100 } },
  ];
}

const SOKAR = 'Sokar, Agarwal, Castro, Evci. The Dormant Neuron Phenomenon in Deep Reinforcement Learning. ICML 2023';

const LYLE = 'Lyle, Zheng, Nikishin, Avila Pires, Pascanu, Dabney. Understanding plasticity in neural networks. ICML 2023';

/**
 * Lyle et al.'s interventions on the classification MDP: none; resetting the last layer and shrink & perturb
 * every 10 target updates (a target update is the MDP's only source of change); weight decay; LayerNorm;
 * ReDo (tau 0.1 every 1000 updates); the categorical (HL-Gauss cross-entropy) value head.
 */
function lyleConditions(): PresetCondition[] {
  return [
    { label: 'none', methods: ['bp'] },
    { label: 'reset-last-layer', methods: ['head-reset'], set: { 'agent.boundaryEveryTargetUpdates': 10 } },
    { label: 'weight-decay', methods: ['bp'], set: { 'agent.weightDecay': 1e-4 } },
    { label: 'layernorm', methods: ['bp'], set: { 'agent.layerNorm': true } },
    { label: 'shrink-perturb', methods: ['shrink-perturb'], set: { 'agent.boundaryEveryTargetUpdates': 10, 'shrink-perturb.shrink': 0.8, 'shrink-perturb.noise': 0.01 } },
    { label: 'redo', methods: ['redo'], set: { 'redo.tau': 0.1, 'redo.period': 1000 } },
    { label: 'categorical', methods: ['bp'], set: { 'agent.valueHead': { kind: 'hl-gauss', bins: 51, min: -1, max: 11, sigmaRatio: 0.75 } } },
  ];
}

/** Presets of the RL benchmarks (registered with the others in `presets`; kept apart from the supervised golden list). */
export const rlPresetList: Preset[] = [
  {
    name: 'cleanrl-ppo-cartpole',
    description: "CartPole-v1 with CleanRL ppo.py's defaults: 4 envs x 128 steps, lr 2.5e-4 annealed, 4 minibatches, 4 epochs, gamma 0.99, lambda 0.95, clip 0.2, ent 0.01, vf 0.5, 64-64 tanh, 500k steps",
    paper: CLEANRL,
    scale: 'full',
    benchmark: 'cartpole',
    methods: ['bp'],
    set: {},
  },
  {
    name: 'cleanrl-ppo-ant',
    description: "Ant-v4 (Ant-v3 without contact forces: 27-value observation, no contact cost) with CleanRL ppo_continuous_action.py's defaults: 1 env x 2048 steps, lr 3e-4 annealed, 32 minibatches, 10 epochs, ent 0, one gradient-norm clip (0.5) over both nets, observation and reward normalization, 1M steps",
    paper: CLEANRL,
    scale: 'full',
    benchmark: 'ant',
    methods: ['bp'],
    set: { useContactForces: false },
  },
  {
    name: 'cleanrl-dqn-cartpole',
    description: "CartPole-v1 with CleanRL dqn.py's defaults: 1 env, 500k steps, 120-84 ReLU Q-network, Adam lr 2.5e-4, buffer 10k, batch 128, gamma 0.99, hard target update every 500 steps, epsilon 1 -> 0.05 over 250k steps, learning from step 10k, a train step every 10 steps, MSE",
    paper: CLEANRL,
    scale: 'full',
    benchmark: 'dqn-cartpole',
    methods: ['bp'],
    set: {},
  },
  {
    name: 'sokar-redo-dqn-laptop',
    description: 'DQN on CartPole-v1 whose gravity and pole length are redrawn every 50k steps (500k steps), with and without ReDo (tau 0.1, every 1000 updates: the ReDo code\'s DQN defaults); dormant fraction recorded over time',
    paper: SOKAR,
    scale: 'laptop',
    benchmark: 'changing-cartpole',
    methods: ['bp'],
    set: {},
    conditions: [
      { label: 'dqn', methods: ['bp'] },
      { label: 'dqn-redo', methods: ['redo'], set: { 'redo.tau': 0.1, 'redo.period': 1000 } },
    ],
  },
  {
    name: 'lyle-classification-mdp',
    description: 'The classification MDP on MNIST (10000 images, gamma 0.9, uniform data, target update every 1000 steps, 1M steps); interventions: none, reset last layer, weight decay, LayerNorm, shrink & perturb, ReDo, categorical loss',
    paper: LYLE,
    scale: 'full',
    benchmark: 'classification-mdp',
    methods: ['bp'],
    set: { dataset: 'mnist', images: 10_000, steps: 1_000_000 },
    conditions: lyleConditions(),
  },
  {
    name: 'lyle-classification-mdp-laptop',
    description: 'Laptop scale: the classification MDP on the 8x8 digits (1000 images), 30k steps (28 target updates); the same agent and interventions',
    paper: LYLE,
    scale: 'laptop',
    benchmark: 'classification-mdp',
    methods: ['bp'],
    set: { dataset: 'digits', images: 1000, steps: 30_000 },
    conditions: lyleConditions(),
  },
  {
    name: 'dohare-slippery-ant',
    description: 'Slippery Ant: friction log-uniform in [0.02, 2] redrawn every 2M steps, 20M steps; PPO with [256, 256] ReLU policy and value nets, LeCun init, lr 1e-4, 2048 steps, 10 epochs, 16 minibatches (Figs. 3-4)',
    paper: DOHARE,
    scale: 'full',
    benchmark: 'slippery-ant',
    methods: ['bp'],
    set: {},
    conditions: slipperyAntConditions(),
  },
  {
    name: 'dohare-slippery-ant-laptop',
    description: 'Laptop scale: the slippery Ant with friction redrawn every 200k steps over 2M steps (ten frictions, as the full run); the same agent and conditions',
    paper: DOHARE,
    scale: 'laptop',
    benchmark: 'slippery-ant',
    methods: ['bp'],
    set: { steps: 2_000_000, every: 200_000 },
    conditions: slipperyAntConditions(),
  },
];
