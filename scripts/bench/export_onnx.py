"""Exports torchvision models (random weights, eval mode) to ONNX for the benchmark's
onnxruntime-node runs. Usage: /usr/bin/python3 export_onnx.py OUT_DIR model [model ...]"""
import os
import sys

import torch
import torchvision.models as tvm

out_dir, names = sys.argv[1], sys.argv[2:]
os.makedirs(out_dir, exist_ok=True)
for name in names:
    path = os.path.join(out_dir, f'{name}.onnx')
    if os.path.exists(path):
        continue
    kwargs = {'aux_logits': False, 'init_weights': True} if name == 'googlenet' else {}
    model = tvm.get_model(name, weights=None, **kwargs).eval()
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, x, path + '.tmp', opset_version=13, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    os.replace(path + '.tmp', path)
    print(f'exported {path}', file=sys.stderr)
