"""Writes each architecture package's weights catalog from torchvision's weights enums.

Run with /usr/bin/python3 (Debian's python3-torchvision). The catalog is data only: URL,
file name and hash prefix, eval transforms, accuracy and parameter count.
"""
import json
import os
import re

import torchvision.models as tvm
from torchvision.transforms import InterpolationMode

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FAMILIES = {
    'vgg': ['vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19', 'vgg19_bn'],
    'googlenet': ['googlenet'],
    'resnet': ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d',
               'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet50_2', 'wide_resnet101_2'],
    'efficientnet': [f'efficientnet_b{i}' for i in range(8)] + [f'efficientnet_v2_{s}' for s in 'sml'],
    'mobilenet': ['mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large'],
    'mnasnet': ['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0', 'mnasnet1_3'],
    'shufflenet': [f'shufflenet_v2_x{w}' for w in ('0_5', '1_0', '1_5', '2_0')],
    'squeezenet': ['squeezenet1_0', 'squeezenet1_1'],
    'alexnet': ['alexnet'],
    'densenet': ['densenet121', 'densenet161', 'densenet169', 'densenet201'],
    'regnet': [f'regnet_y_{s}' for s in ('400mf', '800mf', '1_6gf', '3_2gf', '8gf', '16gf', '32gf', '128gf')]
    + [f'regnet_x_{s}' for s in ('400mf', '800mf', '1_6gf', '3_2gf', '8gf', '16gf', '32gf')],
    'convnext': [f'convnext_{s}' for s in ('tiny', 'small', 'base', 'large')],
}


def entries(name):
    enum = tvm.get_model_weights(name)
    for w in enum:
        if w.meta['categories'] is None:  # vgg16 IMAGENET1K_FEATURES: a feature extractor without a head
            continue
        t = w.transforms()
        url = w.url
        file_name = url.rsplit('/', 1)[1]
        digest = re.search(r'-([0-9a-f]{8,})\.pth$', file_name).group(1)
        entry = {
            'model': name, 'tag': w.name, 'url': url, 'fileName': file_name, 'sha256Prefix': digest,
            'numClasses': len(w.meta['categories']), 'categories': 'imagenet',
            'transforms': {
                'resizeSize': t.resize_size[0], 'cropSize': t.crop_size[0],
                'interpolation': 'bicubic' if t.interpolation == InterpolationMode.BICUBIC else 'bilinear',
                'mean': list(t.mean), 'std': list(t.std),
            },
            'metrics': {'acc1': w.meta['_metrics']['ImageNet-1K']['acc@1'], 'acc5': w.meta['_metrics']['ImageNet-1K']['acc@5']},
            'numParams': w.meta['num_params'],
        }
        if name == 'googlenet':
            entry['modelOptions'] = {'transformInput': True}
            # torchvision builds the model with aux heads to load the file, then drops them.
            entry['ignore'] = ['aux1', 'aux2']
        yield entry


for family, names in FAMILIES.items():
    catalog = {n: list(entries(n)) for n in names}
    path = os.path.join(ROOT, 'packages', 'architectures', family, 'src', 'weights-catalog.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(catalog, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.relpath(path, ROOT)}: {sum(len(v) for v in catalog.values())} entries')
