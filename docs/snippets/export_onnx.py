# PyTorch side of the "Fine-tune any ONNX CNN" guide: export a torchvision model so that convkit
# can train it. Keep BatchNorm and the state-dict names (PRESERVE), and leave the batch and the
# image size dynamic.
#   /usr/bin/python3 export_onnx.py resnet18.onnx
import sys
import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet18()  # weights="DEFAULT" for ImageNet's (here random: no download)
# Random weights stand in for trained ones here: one pass in training mode gives BatchNorm the
# statistics training would leave (at their initial 0 and 1, every image gives nearly the same features).
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None  # a cumulative average: after one batch, that batch's statistics
    model.train()
    model(torch.randn(16, 3, 64, 64))
model.eval()
torch.onnx.export(
    model,
    torch.randn(1, 3, 224, 224),
    sys.argv[1],
    training=torch.onnx.TrainingMode.PRESERVE,
    opset_version=13,
    input_names=["input"],
    output_names=["output"],
    dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "output": {0: "batch"}},
)
