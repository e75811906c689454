"""Loads a safetensors file written by convkit into the course's small CNN built in PyTorch, the
way a PyTorch user would (`load_state_dict(load_file(path))`, strict), and prints its logits.

usage: load_small_cnn.py WEIGHTS.safetensors [INPUT.json]
INPUT.json: {"shape": [N, 28, 28, 1], "data": [...]} (NHWC, as convkit takes it).
Prints JSON: {"keys": {key: shape}, "logits": {"shape": [...], "data": [...]}}.
"""
import json
import struct
import sys

import torch
from torch import nn

try:
    from safetensors.torch import load_file
except ImportError:  # Debian has no python3-safetensors: read the format by hand (u64 LE length, JSON, data)
    DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'I64': torch.int64,
              'I32': torch.int32, 'U8': torch.uint8, 'I8': torch.int8, 'BOOL': torch.bool}

    def load_file(path):
        with open(path, 'rb') as f:
            raw = f.read()
        (n,) = struct.unpack('<Q', raw[:8])
        header = json.loads(raw[8:8 + n])
        header.pop('__metadata__', None)
        data = raw[8 + n:]
        out = {}
        for key, e in header.items():
            start, end = e['data_offsets']
            t = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[e['dtype']]) if end > start else torch.empty(0, dtype=DTYPES[e['dtype']])
            out[key] = t.reshape(e['shape'])
        return out


class SmallCNN(nn.Module):
    """The course's small CNN, as convkit's SmallCNN (packages/models/src/small-cnn.ts)."""

    def __init__(self, in_channels=1, num_classes=10, side=7):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout2d(0.2),
        )
        self.classifier = nn.Sequential(nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def main():
    state = load_file(sys.argv[1])
    model = SmallCNN()
    model.load_state_dict(state)  # strict: every key and shape must be PyTorch's
    model.eval()
    result = {'keys': {k: list(v.shape) for k, v in state.items()}}
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            spec = json.load(f)
        x = torch.tensor(spec['data'], dtype=torch.float32).reshape(spec['shape']).permute(0, 3, 1, 2)
        with torch.no_grad():
            y = model(x)
        result['logits'] = {'shape': list(y.shape), 'data': y.flatten().tolist()}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
