"""Data-parallel training of a torchvision model with PyTorch's DistributedDataParallel: the path
convkit's docs give for a data set or model too big for one process (docs/guide/scale-out.md).

One process per GPU (or CPU worker), launched by torchrun, which sets RANK, WORLD_SIZE,
LOCAL_RANK and the rendezvous address:

    torchrun --standalone --nproc_per_node=1 scripts/scale-out/train_ddp.py \
        --data DIR --out OUT --arch resnet18 --steps 3

DIR is an ImageFolder (DIR/<class>/<image>; classes sorted by name are the label indexes); without
--data it trains on torchvision's FakeData. Rank 0 writes OUT/model.pth (the plain module's
state_dict, loadable by convkit's loadWeights and by torchvision) and OUT/reference.json: a fixed
NCHW input and the trained model's eval-mode logits for it, for checking another runtime.
"""
import argparse
import json
import os

import torch
import torch.distributed as dist
import torchvision
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torchvision import transforms


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', help='ImageFolder root (default: FakeData)')
    p.add_argument('--out', required=True, help='folder for model.pth and reference.json')
    p.add_argument('--arch', default='resnet18', choices=['resnet18', 'mobilenet_v3_small'])
    p.add_argument('--num-classes', type=int, default=3, help='classes of FakeData (an ImageFolder counts its own)')
    p.add_argument('--image-size', type=int, default=32)
    p.add_argument('--batch-size', type=int, default=4, help='per process; the global batch is this times WORLD_SIZE')
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def main():
    args = parse_args()
    # gloo runs everywhere (CPU, and GPUs through host copies); on GPUs pass 'nccl' for speed.
    backend = 'nccl' if torch.cuda.is_available() else 'gloo'
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f'cuda:{os.environ["LOCAL_RANK"]}') if backend == 'nccl' else torch.device('cpu')
    # Same seed on every rank: the replicas start equal (DDP also broadcasts rank 0's weights).
    torch.manual_seed(args.seed)

    transform = transforms.Compose([
        transforms.Resize((args.image_size, args.image_size)),
        transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    if args.data:
        dataset = torchvision.datasets.ImageFolder(args.data, transform=transform)
        num_classes = len(dataset.classes)
    else:
        num_classes = args.num_classes
        dataset = torchvision.datasets.FakeData(64, (3, args.image_size, args.image_size), num_classes, transform=transforms.Compose(transform.transforms[1:]))
    # Each rank sees its own shard of every epoch; set_epoch reshuffles the shards per epoch.
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, drop_last=True)

    model = getattr(torchvision.models, args.arch)(num_classes=num_classes).to(device)
    if args.steps < 100:
        # A short run: running statistics as the plain average of the batches seen, not a moving
        # average still dominated by its start (mean 0, var 1), so evaluation sees the data's.
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.momentum = None
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == 'cuda' else None)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    ddp.train()
    step, epoch = 0, 0
    while step < args.steps:
        sampler.set_epoch(epoch)
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(ddp(images.to(device)), labels.to(device))
            loss.backward()  # DDP averages the gradients over all ranks here
            optimizer.step()
            if rank == 0:
                print(f'step {step}: loss {loss.item():.4f}', flush=True)
            step += 1
            if step == args.steps:
                break
        epoch += 1

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        # ddp.module is the plain model: its keys have no 'module.' prefix.
        torch.save(ddp.module.state_dict(), os.path.join(args.out, 'model.pth'))
        write_reference(ddp.module, args, num_classes)
        print(f'wrote {os.path.join(args.out, "model.pth")}', flush=True)
    dist.destroy_process_group()


def write_reference(model, args, num_classes):
    """Eval-mode logits of two fixed inputs (a seeded normal sample), NCHW, as flat lists."""
    model.eval().cpu()
    x = torch.randn(2, 3, args.image_size, args.image_size, generator=torch.Generator().manual_seed(args.seed + 1))
    with torch.no_grad():
        logits = model(x)
    reference = {
        'arch': args.arch,
        'numClasses': num_classes,
        'input': {'shape': list(x.shape), 'data': x.flatten().tolist()},
        'logits': {'shape': list(logits.shape), 'data': logits.flatten().tolist()},
    }
    with open(os.path.join(args.out, 'reference.json'), 'w') as f:
        json.dump(reference, f)


if __name__ == '__main__':
    main()
