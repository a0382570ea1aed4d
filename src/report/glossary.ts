import { STEPS_PER_TASK } from './runSeries.js';

/** What a metric means, for the report's glossary: linked from every figure that draws it. */
export interface GlossaryEntry {
  /** Anchor id on the page (`g-<id>`). */
  readonly id: string;
  readonly term: string;
  /** What the numbers count or measure, in words. */
  readonly unit: string;
  readonly definition: string;
}

const DIAGNOSTICS: Record<string, Omit<GlossaryEntry, 'id'>> = {
  deadFraction: { term: 'Dead units', unit: 'fraction of the layer\'s units, 0–1, drawn as %', definition: 'Share of units that are dead on every probe example: a ReLU unit whose output is exactly 0; a tanh, sigmoid or ELU unit saturated within eps of an extreme.' },
  dormantFraction: { term: 'Dormant units', unit: 'fraction of units, 0–1, drawn as %', definition: 'Share of τ-dormant units: a unit\'s mean |activation| on the probe batch divided by the layer\'s mean of that quantity is at most τ (ReDo, Sokar et al. 2023).' },
  linearFraction: { term: 'Linear units', unit: 'fraction of units, 0–1', definition: 'Share of units whose pre-activation is positive on every probe example: a ReLU unit there acts as a linear map.' },
  effectiveRank: { term: 'Effective rank', unit: 'dimensions, between 1 and the layer width', definition: 'exp of the entropy of the normalized singular values of the layer\'s features on the probe batch (Roy & Vetterli 2007).' },
  stableRank: { term: 'Stable rank', unit: 'dimensions, count of singular values', definition: 'Smallest k whose top-k squared singular values hold (1 − δ) of the features\' variance (Yang et al.).' },
  approxRank: { term: 'Approximate rank', unit: 'dimensions, count of singular values', definition: 'Smallest k whose top-k singular values sum to at least (1 − δ) of their total (Kumar et al.; Dohare et al. 2024).' },
  weightMagnitude: { term: 'Mean weight magnitude |w|', unit: 'mean absolute weight, the weights\' own scale', definition: 'Mean |w| over all weights of the network (biases and normalization gains excluded), and per layer.' },
  distanceFromInit: { term: 'Distance from init', unit: 'L2 norm, the parameters\' scale', definition: 'L2 distance of the parameters from their values at step 0, whole network and per layer.' },
  featureNorm: { term: 'Feature norm', unit: 'L2 norm of a feature vector', definition: 'Mean L2 norm of the layer\'s features over the probe batch.' },
  gradientNorm: { term: 'Gradient norm', unit: 'L2 norm', definition: 'L2 norm of the gradient of the training loss on the probe batch, whole network and per layer.' },
  ntkRank: { term: 'NTK rank', unit: 'dimensions', definition: 'Rank of the empirical neural tangent kernel (traced over outputs) on a few probe examples.' },
  plasticity: { term: 'Plasticity probe', unit: 'loss units, higher: more plastic', definition: 'Lyle et al. 2023: b − E[loss after fitting random targets a + sin(10⁵ f_w(x)) from a copy of the network].' },
  plasticityProbe: { term: 'Plasticity probe', unit: 'loss units, higher: more plastic', definition: 'Lyle et al. 2023: b − E[loss after fitting random targets from a copy of the network].' },
  updateSize: { term: 'Largest update size', unit: 'summed |Δw| of one update', definition: 'Largest summed |Δw| of one optimizer update since the last report.' },
};

/** The glossary entry of a metric key (per-layer keys share their family's entry). */
export function glossaryEntry(key: string, regression = false): GlossaryEntry {
  const [head, a, b] = key.split('/');
  const loss = regression ? 'squared error, in output units squared' : 'cross-entropy, in nats';
  if (key === STEPS_PER_TASK) return { id: 'steps-per-task', term: 'Steps per task', unit: 'optimizer steps', definition: 'Optimizer updates taken in the task.' };
  if (head === 'online' && a === 'accuracy') return { id: 'online-accuracy', term: 'Online accuracy', unit: 'fraction of examples, 0–1, drawn as %', definition: 'Share of a task\'s training examples classified correctly, each predicted before the update on it (prequential), per task.' };
  if (head === 'online' && a === 'loss') return { id: 'online-loss', term: regression ? 'Online squared error' : 'Online loss', unit: loss, definition: 'Mean loss of the predictions on a task\'s examples, each made before the update on it.' };
  if (head === 'bin') return { id: `bin-${a}`, term: a === 'accuracy' ? 'Accuracy per bin' : regression ? 'Squared error per bin' : 'Loss per bin', unit: a === 'accuracy' ? 'fraction of examples' : loss, definition: 'The same as online, over each bin of consecutive examples of a task-free stream.' };
  if (head === 'train') return { id: `train-${a}`, term: `Train ${a === 'accuracy' ? 'accuracy' : regression ? 'squared error' : 'loss'}`, unit: a === 'accuracy' ? 'fraction of examples' : loss, definition: 'Over the training examples of each epoch, measured during training.' };
  if (head === 'eval' && b) return { id: `eval-${b}`, term: `Evaluation ${b}`, unit: b === 'accuracy' ? 'fraction of examples' : loss, definition: `On a held-out set (here ${a}) at the end of each epoch, in evaluation mode.` };
  if (head === 'diag' && a) {
    const d = DIAGNOSTICS[a];
    return { id: `diag-${a}`, ...(d ?? { term: a, unit: 'see supple list probes', definition: 'A diagnostic measured on the probe batch at the probe cadence.' }) };
  }
  if (head === 'method' && a) {
    if (a === 'replaced') return { id: 'method-replaced', term: 'Units replaced', unit: 'units, cumulative since the start of the run', definition: 'Units whose incoming weights were redrawn and outgoing weights zeroed by the method (continual backprop, ReDo, ...).' };
    return { id: `method-${a}`, term: `Method counter: ${a}`, unit: 'as the method reports it, counts are cumulative', definition: 'A counter the method records (supple list methods describes each method).' };
  }
  return { id: key.replace(/[^A-Za-z0-9]+/g, '-'), term: key, unit: '', definition: 'A metric recorded by the run.' };
}
