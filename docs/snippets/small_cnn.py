# PyTorch side of the "Loading PyTorch weights" guide: train-mode passes to move the BatchNorm
# statistics, then save the state dict and print the eval logits of a fixed input.
#   /usr/bin/python3 small_cnn.py small-cnn.pth
import sys
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, 10),
)
model.train()
for _ in range(3):
    model(torch.randn(8, 1, 28, 28))
torch.save(model.state_dict(), sys.argv[1])

model.eval()
x = (torch.arange(28 * 28, dtype=torch.float32) / (28 * 28)).reshape(1, 1, 28, 28)
print("logits:", [round(v, 4) for v in model(x)[0].tolist()])
