"""Peak memory of one torchvision densenet121 training step on the CPU (forward, cross-entropy,
backward), for comparison with convkit's figure (packages/architectures/densenet/bench).

    /usr/bin/python3 scripts/bench/densenet_memory.py [--batch 2] [--size 224] [--memory-efficient]

Reports the growth of the process's peak resident set (ru_maxrss) over the step: activations kept
for the backward pass, gradients and allocator slack; the model and input are allocated before.
"""
import argparse
import resource

import torch
import torchvision.models as tvm

parser = argparse.ArgumentParser()
parser.add_argument('--batch', type=int, default=2)
parser.add_argument('--size', type=int, default=224)
parser.add_argument('--memory-efficient', action='store_true')
args = parser.parse_args()

torch.manual_seed(0)
torch.set_grad_enabled(True)
model = tvm.densenet121(weights=None, memory_efficient=args.memory_efficient).train()
x = torch.randn(args.batch, 3, args.size, args.size)
labels = torch.arange(args.batch)
mib = lambda kb: kb / 1024  # ru_maxrss is in KiB on Linux
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loss = torch.nn.functional.cross_entropy(model(x), labels)
loss.backward()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
grads = sum(p.grad.numel() * 4 for p in model.parameters()) / 2**20
print(
    f'densenet121 {args.size}², batch {args.batch}, memory_efficient={args.memory_efficient}: '
    f'peak RSS {mib(after):.1f} MiB, {mib(after - before):.1f} MiB above model and input (gradients {grads:.1f} MiB)'
)
