"""PyTorch counterparts of supple's RL bench rows (bench/rl.ts), for `npm run bench` (section rl).

The loops follow CleanRL (ppo.py, ppo_continuous_action.py, dqn.py) with their default settings, the networks and
optimizers as supple's presets use them. gym / gymnasium and MuJoCo's Python bindings are not installed here (and
need the network to install), so:
- CartPole is a pure-Python port of gym's CartPoleEnv (Euler integration, the same constants, 500-step limit, reset
  uniform in +-0.05), stepped through a Python vector env with auto-reset, the way gym's SyncVectorEnv steps it:
  the cost a CleanRL user pays per env step.
- Ant has no physics here: the row times PPO's own work per iteration, the rollout's policy inference (one
  observation of 27 floats per step) and the update (10 epochs x 32 minibatches of 64), on observations drawn once
  from a normal distribution. supple's Ant row is compared on the same part (its inference + update time).
Prints one JSON object per workload: {"workload", "steps_per_s", "steps", "seconds", "threads", "torch"}.
Usage: python3 bench/torch/rl.py [ppo-cartpole] [ppo-ant-learning] [dqn-cartpole] [--seconds S] [--threads N]
"""
import json
import math
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical, Normal


class CartPole:
    """gym's CartPole-v1 dynamics with TimeLimit(500)."""

    def __init__(self, rng):
        self.rng = rng
        self.state = None
        self.t = 0

    def reset(self):
        self.state = [self.rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.t = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot * theta_dot * sintheta) / 1.1
        thetaacc = (9.8 * sintheta - costheta * temp) / (0.5 * (4.0 / 3.0 - 0.1 * costheta * costheta / 1.1))
        xacc = temp - 0.05 * thetaacc * costheta / 1.1
        x = x + 0.02 * x_dot
        x_dot = x_dot + 0.02 * xacc
        theta = theta + 0.02 * theta_dot
        theta_dot = theta_dot + 0.02 * thetaacc
        self.state = [x, x_dot, theta, theta_dot]
        self.t += 1
        limit = 12 * 2 * math.pi / 360
        terminated = x < -2.4 or x > 2.4 or theta < -limit or theta > limit
        truncated = self.t >= 500
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated


class VectorEnv:
    """SyncVectorEnv's stepping: each env in turn, auto-reset, observations stacked."""

    def __init__(self, n, seed):
        rng = random.Random(seed)
        self.envs = [CartPole(random.Random(rng.random())) for _ in range(n)]
        self.n = n

    def reset(self):
        return np.stack([e.reset() for e in self.envs])

    def step(self, actions):
        obs, rew, done = [], np.zeros(self.n, dtype=np.float32), np.zeros(self.n, dtype=np.bool_)
        for i, e in enumerate(self.envs):
            o, r, term, trunc = e.step(int(actions[i]))
            if term or trunc:
                o = e.reset()
            obs.append(o)
            rew[i] = r
            done[i] = term or trunc
        return np.stack(obs), rew, done


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class DiscreteAgent(nn.Module):
    def __init__(self, obs, actions):
        super().__init__()
        self.critic = mlp([obs, 64, 64, 1])
        self.actor = mlp([obs, 64, 64, actions])

    def value(self, x):
        return self.critic(x)

    def act(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x)


class ContinuousAgent(nn.Module):
    def __init__(self, obs, actions):
        super().__init__()
        self.critic = mlp([obs, 64, 64, 1])
        self.actor_mean = mlp([obs, 64, 64, actions])
        self.actor_logstd = nn.Parameter(torch.zeros(1, actions))

    def value(self, x):
        return self.critic(x)

    def act(self, x, action=None):
        mean = self.actor_mean(x)
        dist = Normal(mean, self.actor_logstd.expand_as(mean).exp())
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action).sum(1), dist.entropy().sum(1), self.critic(x)


def ppo_update(agent, opt, obs, actions, logprobs, advantages, returns, values, epochs, minibatches):
    """CleanRL's PPO update: epochs over shuffled minibatches, normalized advantages, clipped surrogate and value
    loss, entropy bonus, global gradient-norm clipping at 0.5."""
    batch = obs.shape[0]
    size = batch // minibatches
    for _ in range(epochs):
        inds = np.random.permutation(batch)
        for start in range(0, batch, size):
            mb = inds[start:start + size]
            _, newlogprob, entropy, newvalue = agent.act(obs[mb], actions[mb])
            logratio = newlogprob - logprobs[mb]
            ratio = logratio.exp()
            with torch.no_grad():
                approx_kl = ((ratio - 1) - logratio).mean()  # noqa: F841 (CleanRL logs it)
            adv = advantages[mb]
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            pg_loss = torch.max(-adv * ratio, -adv * torch.clamp(ratio, 0.8, 1.2)).mean()
            newvalue = newvalue.view(-1)
            v_unclipped = (newvalue - returns[mb]) ** 2
            v_clipped = values[mb] + torch.clamp(newvalue - values[mb], -0.2, 0.2)
            v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - returns[mb]) ** 2).mean()
            loss = pg_loss - 0.01 * entropy.mean() + v_loss * 0.5
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            opt.step()


def gae(rewards, values, dones, next_value, next_done, gamma=0.99, lam=0.95):
    steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last = 0
    for t in reversed(range(steps)):
        if t == steps - 1:
            nonterminal, nextvalues = 1.0 - next_done, next_value
        else:
            nonterminal, nextvalues = 1.0 - dones[t + 1], values[t + 1]
        delta = rewards[t] + gamma * nextvalues * nonterminal - values[t]
        advantages[t] = last = delta + gamma * lam * nonterminal * last
    return advantages, advantages + values


def ppo_cartpole(seconds):
    """ppo.py: 4 envs x 128 steps, 64-64 tanh, Adam 2.5e-4 (eps 1e-5, annealed), 4 epochs x 4 minibatches."""
    num_envs, num_steps = 4, 128
    envs = VectorEnv(num_envs, 1)
    agent = DiscreteAgent(4, 2)
    opt = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    next_obs = torch.tensor(envs.reset())
    next_done = torch.zeros(num_envs)
    obs = torch.zeros((num_steps, num_envs, 4))
    actions = torch.zeros((num_steps, num_envs))
    logprobs, rewards, dones, values = (torch.zeros((num_steps, num_envs)) for _ in range(4))

    def iteration(frac):
        nonlocal next_obs, next_done
        opt.param_groups[0]['lr'] = frac * 2.5e-4
        for step in range(num_steps):
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.act(next_obs)
            values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            o, r, d = envs.step(action.numpy())
            rewards[step] = torch.tensor(r)
            next_obs, next_done = torch.tensor(o), torch.tensor(d, dtype=torch.float32)
        with torch.no_grad():
            adv, ret = gae(rewards, values, dones, agent.value(next_obs).reshape(1, -1), next_done)
        ppo_update(agent, opt, obs.reshape(-1, 4), actions.reshape(-1).long(), logprobs.reshape(-1), adv.reshape(-1),
                   ret.reshape(-1), values.reshape(-1), 4, 4)

    return timed(iteration, num_envs * num_steps, seconds)


def ppo_ant_learning(seconds):
    """ppo_continuous_action.py's learning part on Ant's shapes (27 observations, 8 actions): 1 env x 2048 steps of
    inference, then 10 epochs x 32 minibatches; no physics (observations drawn once)."""
    num_steps, obs_size, act_size = 2048, 27, 8
    agent = ContinuousAgent(obs_size, act_size)
    opt = torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)
    pool = torch.randn((num_steps, 1, obs_size))
    obs = torch.zeros((num_steps, 1, obs_size))
    actions = torch.zeros((num_steps, 1, act_size))
    logprobs, rewards, dones, values = (torch.zeros((num_steps, 1)) for _ in range(4))

    def iteration(frac):
        opt.param_groups[0]['lr'] = frac * 3e-4
        for step in range(num_steps):
            next_obs = pool[step]
            obs[step] = next_obs
            with torch.no_grad():
                action, logprob, _, value = agent.act(next_obs)
            values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            rewards[step] = float(action.numpy().sum())  # a stand-in reward read back from the action, as env.step would
        with torch.no_grad():
            adv, ret = gae(rewards, values, dones, agent.value(pool[0]).reshape(1, -1), torch.zeros(1))
        ppo_update(agent, opt, obs.reshape(-1, obs_size), actions.reshape(-1, act_size), logprobs.reshape(-1),
                   adv.reshape(-1), ret.reshape(-1), values.reshape(-1), 10, 32)

    return timed(iteration, num_steps, seconds)


def dqn_cartpole(seconds):
    """dqn.py: 1 env, Q-network 120-84 ReLU, Adam 2.5e-4, buffer 10k, batch 128, a train step every 10 env steps,
    target network copied every 500; epsilon from 1 to 0.05 over half of 500k steps. Timed after learning starts
    (10k steps, untimed)."""
    envs = VectorEnv(1, 1)
    q = nn.Sequential(nn.Linear(4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 2))
    target = nn.Sequential(nn.Linear(4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 2))
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=2.5e-4)
    cap = 10_000
    b_obs = np.zeros((cap, 4), dtype=np.float32)
    b_next = np.zeros((cap, 4), dtype=np.float32)
    b_act = np.zeros((cap, 1), dtype=np.int64)
    b_rew = np.zeros((cap, 1), dtype=np.float32)
    b_done = np.zeros((cap, 1), dtype=np.float32)
    obs = envs.reset()
    state = {'t': 0, 'pos': 0, 'full': False, 'obs': obs}
    rng = np.random.default_rng(0)
    total, starts = 500_000, 10_000

    def step():
        t = state['t']
        eps = max(0.05, 1.0 + (0.05 - 1.0) * t / (0.5 * total))
        if random.random() < eps:
            action = np.array([random.randrange(2)])
        else:
            action = torch.argmax(q(torch.tensor(state['obs'])), dim=1).numpy()
        o, r, d = envs.step(action)
        p = state['pos']
        b_obs[p], b_next[p], b_act[p], b_rew[p], b_done[p] = state['obs'][0], o[0], action[0], r[0], d[0]
        state['pos'] = (p + 1) % cap
        state['full'] = state['full'] or state['pos'] == 0
        state['obs'] = o
        if t > starts and t % 10 == 0:
            idx = rng.integers(0, cap if state['full'] else state['pos'], 128)
            with torch.no_grad():
                target_max, _ = target(torch.from_numpy(b_next[idx])).max(dim=1)
                td_target = torch.from_numpy(b_rew[idx]).flatten() + 0.99 * target_max * (1 - torch.from_numpy(b_done[idx]).flatten())
            old = q(torch.from_numpy(b_obs[idx])).gather(1, torch.from_numpy(b_act[idx])).squeeze()
            loss = nn.functional.mse_loss(td_target, old)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if t > starts and t % 500 == 0:
            target.load_state_dict(q.state_dict())
        state['t'] = t + 1

    while state['t'] <= starts + 1000:
        step()
    return timed(lambda _frac: step(), 1, seconds, min_calls=2000)


def timed(fn, steps_per_call, seconds, min_calls=2):
    fn(1.0)  # warm-up
    calls, t0 = 0, time.perf_counter()
    while calls < min_calls or time.perf_counter() - t0 < seconds:
        fn(1.0 - calls * 1e-4)
        calls += 1
    elapsed = time.perf_counter() - t0
    return calls * steps_per_call, elapsed


def main():
    args = sys.argv[1:]
    seconds, threads = 3.0, None
    names = []
    i = 0
    while i < len(args):
        if args[i] == '--seconds':
            seconds = float(args[i + 1])
            i += 2
        elif args[i] == '--threads':
            threads = int(args[i + 1])
            i += 2
        else:
            names.append(args[i])
            i += 1
    if threads is not None:
        torch.set_num_threads(threads)
    workloads = {'ppo-cartpole': ppo_cartpole, 'ppo-ant-learning': ppo_ant_learning, 'dqn-cartpole': dqn_cartpole}
    for name in names or list(workloads):
        if name not in workloads:
            raise SystemExit(f"unknown workload '{name}'; allowed: {', '.join(workloads)}")
        torch.manual_seed(0)
        np.random.seed(0)
        random.seed(0)
        steps, elapsed = workloads[name](seconds)
        print(json.dumps({'workload': name, 'steps_per_s': steps / elapsed, 'steps': steps, 'seconds': elapsed,
                          'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
