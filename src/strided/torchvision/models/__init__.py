"""`torchvision.models`: the ResNet family, with torchvision's modules, state_dict keys and
initialisation, so `models.resnet18(weights=None)` builds the network and a torchvision
checkpoint loads into it.

    from strided.torchvision import models
    model = models.resnet18(weights=None)           # random initialisation, as torchvision's
    model.fc = nn.Linear(model.fc.in_features, 2)   # the transfer-learning tutorial's new head

Pretrained weights (`weights="IMAGENET1K_V1"` or `ResNet18_Weights.DEFAULT`) are read from
torchvision's cache ($TORCH_HOME/hub/checkpoints, ~/.cache/torch by default) with strided's safe
loader; when the file is not there, a clear error names the file and where to put it.
"""

from strided.torchvision.models._weights import WeightsEnum
from strided.torchvision.models.resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    resnet18,
    resnet34,
    resnet50,
)

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ResNet",
    "ResNet18_Weights",
    "ResNet34_Weights",
    "ResNet50_Weights",
    "WeightsEnum",
    "resnet18",
    "resnet34",
    "resnet50",
]
