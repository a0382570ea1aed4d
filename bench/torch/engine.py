"""PyTorch counterparts of supple's engine workloads (bench/engine.ts), for `npm run bench`.

Same nets, same losses, same optimizer (SGD, no momentum), same batch sizes. Prints one JSON object per workload:
{"workload", "steps_per_s", "steps", "seconds", "threads", "torch", "max_rss_bytes"}.
Usage: python3 bench/torch/engine.py [workload ...] [--seconds S] [--threads N] [--resnet-width W]
       python3 bench/torch/engine.py --mlp 784,W,W,W,10 --batch B [--seconds S] [--min-steps N] [--threads N]
--threads sets torch's intra-op threads; the caller sets OMP/MKL/OPENBLAS_NUM_THREADS to the same number before
Python starts (BLAS libraries read them once, at load).
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn


def peak_rss_bytes():
    """This process's peak RSS: VmHWM on Linux (ru_maxrss survives exec, so it would count the parent's RSS at the
    fork), else ru_maxrss (kilobytes on Linux, bytes on macOS)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == 'darwin' else 1024)

def mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        lin = nn.Linear(widths[i], widths[i + 1])
        layers.append(lin)
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def conv_net(outputs):
    # The Continual ImageNet net of Dohare et al. 2024 (lop/nets/conv_net.py).
    return nn.Sequential(
        nn.Conv2d(3, 32, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, outputs))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        s = x if self.short is None else self.short(x)
        return torch.relu(self.main(x) + s)


def resnet18(outputs, width):
    layers = [nn.Conv2d(3, width, 3, 1, 1, bias=True), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage in range(4):
        c = width * 2 ** stage
        for b in range(2):
            stride = 2 if stage > 0 and b == 0 else 1
            layers.append(Block(cin, c, stride))
            cin = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, outputs)]
    return nn.Sequential(*layers)


class VitBlock(nn.Module):
    # Pre-norm: x + attn(ln(x)), then x + mlp(ln(x)); as supple's transformerBlocks (src/nn/models/vit.ts).
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Vit(nn.Module):
    def __init__(self, outputs, channels=3, image=32, patch=4, width=64, depth=4, heads=4, mlp_ratio=2):
        super().__init__()
        tokens = (image // patch) ** 2
        self.patch = nn.Conv2d(channels, width, patch, patch)
        self.cls = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, tokens + 1, width) * 0.02)
        self.blocks = nn.Sequential(*[VitBlock(width, heads, mlp_ratio * width) for _ in range(depth)])
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, outputs)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.ln(self.blocks(x))
        return self.head(x[:, 0])


def workloads(resnet_width):
    return {
        'mlp-small-b1': (lambda: mlp([784, 100, 100, 100, 10]), (784,), 10, 1),
        'mlp-large-b1': (lambda: mlp([784, 2000, 2000, 2000, 10]), (784,), 10, 1),
        'mlp-large-b256': (lambda: mlp([784, 2000, 2000, 2000, 10]), (784,), 10, 256),
        'conv-b128': (lambda: conv_net(10), (3, 32, 32), 10, 128),
        'resnet18-b64': (lambda: resnet18(10, resnet_width), (3, 32, 32), 10, 64),
        'vit-tiny-b64': (lambda: Vit(10), (3, 32, 32), 10, 64),
    }


def run(name, spec, seconds, min_steps=3):
    make, shape, classes, batch = spec
    torch.manual_seed(0)
    net = make()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    pool = 64 if batch == 1 else 4  # as bench/engine.ts; also keeps the scale section's peak memory the net's
    xs = torch.rand((pool, batch) + shape)
    ys = torch.randint(0, classes, (pool, batch))

    def step(i):
        opt.zero_grad()
        loss = loss_fn(net(xs[i % pool]), ys[i % pool])
        loss.backward()
        opt.step()

    # Warm up, then time whole steps for about `seconds`.
    t0 = time.perf_counter()
    i = 0
    while time.perf_counter() - t0 < min(1.0, seconds / 4) or i < min(2, min_steps):
        step(i)
        i += 1
    n = 0
    t0 = time.perf_counter()
    while True:
        step(n)
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and n >= min_steps:
            break
    rss = peak_rss_bytes()
    return {'workload': name, 'steps_per_s': n / dt, 'steps': n, 'seconds': dt, 'threads': torch.get_num_threads(),
            'torch': torch.__version__, 'max_rss_bytes': rss}


def take(args, flag, parse, default):
    if flag not in args:
        return default
    i = args.index(flag)
    value = parse(args[i + 1])
    del args[i:i + 2]
    return value


def main():
    args = sys.argv[1:]
    seconds = take(args, '--seconds', float, 3.0)
    width = take(args, '--resnet-width', int, 64)
    threads = take(args, '--threads', int, 1)
    min_steps = take(args, '--min-steps', int, 3)
    widths = take(args, '--mlp', lambda v: [int(x) for x in v.split(',')], None)
    batch = take(args, '--batch', int, 1)
    torch.set_num_threads(threads)
    if widths is not None:
        # One MLP of the scale section (bench/scale.ts), its own process so that max_rss_bytes is its own.
        name = 'mlp-' + '-'.join(map(str, widths)) + '-b' + str(batch)
        spec = (lambda: mlp(widths), (widths[0],), widths[-1], batch)
        print(json.dumps(run(name, spec, seconds, min_steps)), flush=True)
        return
    table = workloads(width)
    for name in args or list(table):
        if name not in table:
            sys.exit(f"engine.py: '{name}' is not a workload; workloads: {', '.join(table)}")
        print(json.dumps(run(name, table[name], seconds)), flush=True)


if __name__ == '__main__':
    main()
