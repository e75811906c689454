"""PyTorch side of the benchmark: prints one JSON line of timings for a model at 224x224
(eager, 2 threads, no_grad, BN as is) or for a training step (SGD with momentum, cross-entropy)
of the small CNN at 28x28 or of a torchvision model at 224x224.
Usage: /usr/bin/python3 torch_bench.py MODEL BATCH RUNS   (MODEL 'small_cnn_train' or e.g.
'efficientnet_b0_train' for training)"""
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm

torch.set_num_threads(2)
name, batch, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout2d(0.2), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))


if name.endswith('_train'):
    arch = name[:-len('_train')]
    model = (small_cnn() if arch == 'small_cnn' else tvm.get_model(arch, weights=None)).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    size, channels = (28, 1) if arch == 'small_cnn' else (224, 3)
    x, y = torch.randn(batch, channels, size, size), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
else:
    kwargs = {'aux_logits': False, 'init_weights': True} if name == 'googlenet' else {}
    model = tvm.get_model(name, weights=None, **kwargs).eval()
    x = torch.randn(batch, 3, 224, 224)

    def step():
        with torch.no_grad():
            model(x)

for _ in range(2):
    step()
times = []
for _ in range(runs):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({'medianMs': statistics.median(times), 'minMs': min(times), 'maxMs': max(times),
                  'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
