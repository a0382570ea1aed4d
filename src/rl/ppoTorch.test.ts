import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getBackend } from '../backend/selectBackend.js';
import { Rng } from '../tensor/Rng.js';
import { PpoAgent } from './ppo.js';
import { ppoSchema } from './ppoConfig.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `python3-torch is not installed at ${PYTHON} (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})`;
if (skip) console.log(`# PPO-vs-PyTorch test skipped: ${skip}`);

/**
 * CleanRL's ppo_continuous_action.py update phase, restated in PyTorch for one rollout given as JSON on stdin: GAE
 * (done flags as CleanRL stores them), then for each epoch the given minibatch order: Normal(mean, exp(logstd))
 * log-prob summed over the action dims, ratio, per-minibatch advantage normalization (unbiased std + 1e-8),
 * clipped surrogate, clipped value loss, loss = pg - ent * entropy + vf * v, one Adam (eps 1e-5) over actor,
 * log-std and critic, clip_grad_norm_ over all of them. Prints the final parameters as JSON.
 */
const SCRIPT = `
import json, sys, torch
import torch.nn as nn
from torch.distributions.normal import Normal
torch.set_num_threads(1)
d = json.load(sys.stdin)
c = d['config']
def net(ws):
    layers = []
    for i, (w, b) in enumerate(ws):
        lin = nn.Linear(len(w[0]), len(w))
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w, dtype=torch.float32))
            lin.bias.copy_(torch.tensor(b, dtype=torch.float32))
        layers.append(lin)
        if i < len(ws) - 1:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)
actor = net(d['policy'])
critic = net(d['value'])
logstd = nn.Parameter(torch.tensor([d['logStd']], dtype=torch.float32))
params = list(actor.parameters()) + [logstd] + list(critic.parameters())
opt = torch.optim.Adam(params, lr=c['lr'], eps=c['adamEps'])
T = len(d['rewards'])
obs = torch.tensor(d['obs'], dtype=torch.float32)
actions = torch.tensor(d['actions'], dtype=torch.float32)
logprobs = torch.tensor(d['logProbs'], dtype=torch.float32)
rewards = torch.tensor(d['rewards'], dtype=torch.float32)
dones = torch.tensor(d['dones'], dtype=torch.float32)
values = torch.tensor(d['values'], dtype=torch.float32)
adv = torch.zeros(T)
last = 0.0
for t in reversed(range(T)):
    if t == T - 1:
        nonterm = 1.0 - d['nextDone']
        nextv = d['nextValue']
    else:
        nonterm = 1.0 - dones[t + 1]
        nextv = values[t + 1]
    delta = rewards[t] + c['gamma'] * nextv * nonterm - values[t]
    adv[t] = last = delta + c['gamma'] * c['gaeLambda'] * nonterm * last
returns = adv + values
M = T // c['numMinibatches']
for perm in d['perms']:
    for start in range(0, T, M):
        mb = torch.tensor(perm[start:start + M], dtype=torch.long)
        mean = actor(obs[mb])
        probs = Normal(mean, torch.exp(logstd.expand_as(mean)))
        newlogprob = probs.log_prob(actions[mb]).sum(1)
        entropy = probs.entropy().sum(1)
        ratio = (newlogprob - logprobs[mb]).exp()
        a = adv[mb]
        a = (a - a.mean()) / (a.std() + 1e-8)
        pg = torch.max(-a * ratio, -a * torch.clamp(ratio, 1 - c['clipCoef'], 1 + c['clipCoef'])).mean()
        v = critic(obs[mb]).view(-1)
        vu = (v - returns[mb]) ** 2
        vc = values[mb] + torch.clamp(v - values[mb], -c['clipCoef'], c['clipCoef'])
        vl = 0.5 * torch.max(vu, (vc - returns[mb]) ** 2).mean()
        loss = pg - c['entCoef'] * entropy.mean() + vl * c['vfCoef']
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, c['maxGradNorm'])
        opt.step()
out = {'policy': [p.detach().flatten().tolist() for p in actor.parameters()], 'value': [p.detach().flatten().tolist() for p in critic.parameters()], 'logStd': logstd.detach().flatten().tolist(), 'advantages': adv.tolist()}
print(json.dumps(out))
`;

test("one PPO update equals CleanRL's in PyTorch (same weights, rollout and minibatch order): GAE, losses, joint clipping, Adam", { skip }, () => {
  const backend = getBackend('ts');
  const config = ppoSchema.parse({ lr: 3e-4, numSteps: 128, numMinibatches: 4, updateEpochs: 3, hidden: [64, 64], entCoef: 0.01, maxGradNorm: 0.5 });
  const S = 27,
    A = 8,
    T = config.numSteps;
  const box = { kind: 'box' as const, shape: [A], low: new Float64Array(A).fill(-1), high: new Float64Array(A).fill(1) };
  const agent = new PpoAgent({ config, obsSize: S, actionSpace: box, numEnvs: 1, backend, rng: Rng.seeded(21) });
  const r = Rng.seeded(22);
  const rewards: number[] = [];
  for (let t = 0; t < T; t++) {
    agent.setDones(t, [t % 50 === 17 ? 1 : 0]);
    agent.act(
      t,
      Float64Array.from({ length: S }, () => r.normal()),
    );
    rewards.push(r.normal() * 3 + 1);
    agent.record(t, [rewards[t]!]);
  }
  const nextValue = new Float64Array(1);
  agent.predictValues(
    Float64Array.from({ length: S }, () => r.normal()),
    nextValue,
  );
  const layers = (net: typeof agent.policy) => {
    const ps = net.model.params;
    const out: [number[][], number[]][] = [];
    for (let i = 0; i < ps.length; i += 2) {
      const w = ps[i]!,
        b = ps[i + 1]!;
      out.push([Array.from({ length: w.shape[0]! }, (_, k) => Array.from(w.data.subarray(k * w.shape[1]!, (k + 1) * w.shape[1]!))), Array.from(b.data)]);
    }
    return out;
  };
  // The minibatch order the agent will draw: each epoch shuffles 0..T-1 with the minibatch stream.
  const order = Rng.fromState(agent.minibatchRng.getState());
  const perms = Array.from({ length: config.updateEpochs }, () => Array.from(order.shuffle(Int32Array.from({ length: T }, (_, i) => i))));
  const input = {
    config,
    policy: layers(agent.policy),
    value: layers(agent.value),
    logStd: Array.from(agent.logStd!),
    obs: Array.from({ length: T }, (_, t) => Array.from(agent.obsBuf.subarray(t * S, (t + 1) * S))),
    actions: Array.from({ length: T }, (_, t) => Array.from(agent.actions.subarray(t * A, (t + 1) * A))),
    logProbs: Array.from(agent.logProbs),
    rewards,
    dones: Array.from(agent.dones),
    values: Array.from(agent.values),
    nextValue: nextValue[0],
    nextDone: 0,
    perms,
  };
  const before = [agent.policy, agent.value].map((n) => n.model.params.map((p) => Array.from(p.data)));
  agent.update(nextValue, [0], 0);
  const py = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(py.status, 0, py.stderr);
  const ref = JSON.parse(py.stdout) as { policy: number[][]; value: number[][]; logStd: number[]; advantages: number[] };
  for (let t = 0; t < T; t++)
    assert.ok(Math.abs(ref.advantages[t]! - agent.advantages[t]!) < 1e-4, `advantage ${t}: ${agent.advantages[t]} vs torch ${ref.advantages[t]}`);
  // 12 Adam steps of lr 3e-4 move a weight by up to ~3.6e-3; float32 rounding differs between the two, far below that.
  let moved = 0;
  for (const [n, [net, want]] of (
    [
      [agent.policy, ref.policy],
      [agent.value, ref.value],
    ] as const
  ).entries()) {
    net.model.params.forEach((p, i) => {
      for (let k = 0; k < p.data.length; k++) {
        const d = Math.abs(p.data[k]! - want[i]![k]!);
        assert.ok(d < 2e-5, `${net.name} ${p.name}[${k}]: ${p.data[k]} vs torch ${want[i]![k]} (|diff| ${d})`);
      }
      for (let k = 0; k < p.data.length; k++) moved += Math.abs(p.data[k]! - before[n]![i]![k]!);
    });
  }
  agent.logStd!.forEach((x, j) => assert.ok(Math.abs(x - ref.logStd[j]!) < 2e-5, `logStd[${j}]: ${x} vs torch ${ref.logStd[j]}`));
  assert.ok(moved > 0.01, 'the update moved the weights');
});
