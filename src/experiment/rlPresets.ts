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
