"""Writes the timm weights catalogs from a timm source checkout.

Usage: python3 scripts/catalog/timm-weights.py PATH_TO_TIMM_CHECKOUT

Reads each chosen weight's `_cfg(...)` from timm/models/{efficientnet,resnet,mobilenetv3}.py (timm itself
need not be importable), its ImageNet accuracy at that input size from
results/results-imagenet.csv, and the parameter count from torchvision's catalog of the same
architecture (timm's EfficientNets and ResNets have torchvision's widths and depths), or, for
architectures torchvision lacks (MobileNetV4), the `num_parameters` timm itself reported in the
package's `src/__fixtures__/timm-ref/<arch>.json`.
Eval transforms follow timm's `resolve_data_config`: resize to floor(size / crop_pct), then
centre-crop `size`. Weights with no `url` in their cfg live only on the Hugging Face hub
(`hf_hub_id='timm/'`): their entry points at the hub's `model.safetensors` and has no
`sha256Prefix` (the file name carries no hash).
"""
import csv
import json
import math
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TIMM = sys.argv[1]

WANTED = {
    'efficientnet': [f'tf_efficientnet_b{i}.ns_jft_in1k' for i in range(8)]
    + [f'tf_efficientnet_b{i}.ap_in1k' for i in range(8)]
    + ['tf_efficientnet_b5.ra_in1k', 'tf_efficientnet_b7.ra_in1k', 'efficientnet_b0.ra_in1k', 'efficientnet_b1.ft_in1k',
       'efficientnet_b2.ra_in1k', 'efficientnet_b3.ra2_in1k', 'efficientnet_b4.ra2_in1k'],
    'resnet': [f'resnet{d}.a1_in1k' for d in (18, 34, 50, 101, 152)],
    'mobilenet': ['mobilenetv3_large_100.ra_in1k', 'mobilenetv3_small_100.lamb_in1k',
                  'mobilenetv4_conv_small.e2400_r224_in1k', 'mobilenetv4_conv_medium.e500_r256_in1k'],
}
# timm's source file per package, where their names differ.
TIMM_FILES = {'mobilenet': 'mobilenetv3'}
# torchvision's builder of the same architecture (same widths and depths), for the parameter count.
TORCHVISION_ARCH = {'mobilenetv3_large_100': 'mobilenet_v3_large', 'mobilenetv3_small_100': 'mobilenet_v3_small'}
CONSTANTS = {
    'IMAGENET_DEFAULT_MEAN': (0.485, 0.456, 0.406), 'IMAGENET_DEFAULT_STD': (0.229, 0.224, 0.225),
    'IMAGENET_INCEPTION_MEAN': (0.5, 0.5, 0.5), 'IMAGENET_INCEPTION_STD': (0.5, 0.5, 0.5),
}


def cfg_functions(source):
    """timm's `_cfg` family of each file, evaluated from its own source text."""
    namespace = dict(CONSTANTS, Dict=dict, Any=object)
    for match in re.finditer(r'^def _\w*cfg\(.*?(?=^\S)', source, re.S | re.M):
        exec(match.group(0), namespace)
    return namespace


def cfg_of(source, namespace, full_name):
    start = source.index(f"'{full_name}': ")
    call = source[start + len(full_name) + 4:]
    depth = 0
    for end, ch in enumerate(call):
        depth += ch == '('
        depth -= ch == ')'
        if ch == ')' and depth == 0:
            return eval(call[:end + 1], namespace)
    raise ValueError(full_name)


def accuracy(full_name, size):
    with open(os.path.join(TIMM, 'results', 'results-imagenet.csv')) as f:
        for row in csv.DictReader(f):
            if row['model'] == full_name and int(row['img_size']) == size:
                return {'acc1': float(row['top1']), 'acc5': float(row['top5'])}
    raise KeyError(f'{full_name} at {size}')


def torchvision_params(family, arch):
    src = os.path.join(ROOT, 'packages', 'architectures', family, 'src')
    with open(os.path.join(src, 'weights-catalog.json')) as f:
        torchvision = json.load(f).get(TORCHVISION_ARCH.get(arch, arch.removeprefix('tf_')))
    if torchvision:
        return torchvision[0]['numParams']
    # No torchvision twin: the count timm itself gave (the reference the package's tests check against).
    with open(os.path.join(src, '__fixtures__', 'timm-ref', f'{arch}.json')) as f:
        return json.load(f)['num_parameters']


def entry(family, source, namespace, full_name):
    arch, tag = full_name.split('.')
    cfg = cfg_of(source, namespace, full_name)
    size = cfg['input_size'][1]
    url = cfg['url']
    if url:
        file_name = url.rsplit('/', 1)[1]
        files = {'url': url, 'fileName': file_name, 'sha256Prefix': re.search(r'-([0-9a-f]{8,})\.pth$', file_name).group(1)}
    else:  # on the hub only
        assert cfg.get('hf_hub_id') == 'timm/', full_name
        file_name = 'model.safetensors'
        files = {'url': f'https://huggingface.co/timm/{full_name}/resolve/main/{file_name}', 'fileName': file_name}
    return {
        'model': arch, 'tag': tag, **files,
        'hubId': f'timm/{full_name}',
        'numClasses': cfg['num_classes'], 'categories': 'imagenet',
        'transforms': {
            'resizeSize': math.floor(size / cfg['crop_pct']), 'cropSize': size,
            'interpolation': cfg['interpolation'], 'mean': list(cfg['mean']), 'std': list(cfg['std']),
        },
        'metrics': accuracy(full_name, size),
        'numParams': torchvision_params(family, arch),
    }


for family, names in WANTED.items():
    with open(os.path.join(TIMM, 'timm', 'models', f'{TIMM_FILES.get(family, family)}.py')) as f:
        source = f.read()
    namespace = cfg_functions(source)
    catalog = {}
    for full_name in names:
        e = entry(family, source, namespace, full_name)
        catalog.setdefault(e['model'], []).append(e)
    path = os.path.join(ROOT, 'packages', 'architectures', family, 'src', 'timm-weights-catalog.json')
    with open(path, 'w') as f:
        json.dump(dict(sorted(catalog.items())), f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.relpath(path, ROOT)}: {sum(len(v) for v in catalog.values())} entries')
