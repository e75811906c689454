# PyTorch side of the "Fine-tune any ONNX CNN" guide: export a torchvision model so that convkit
# can train it. Keep BatchNorm and the state-dict names (PRESERVE), and leave the batch and the
# image size dynamic.
#   /usr/bin/python3 export_onnx.py resnet18.onnx
import sys
import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet18()  # weights="DEFAULT" for ImageNet's (here random: no download)
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
