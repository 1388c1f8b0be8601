"""The benchmark models written with torch.nn, layer for layer the same as strided's.

Each returns logits (the softmax is fused into `F.cross_entropy` for training, the idiomatic
PyTorch way); BatchNorm uses Keras' epsilon and momentum for the lessons' CIFAR network and
PyTorch's defaults for ResNet-18, as strided's models do.

    >>> fashion_cnn()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
"""

import torch
from torch import nn


def fashion_cnn(classes=10):
    """Lesson 002: Conv64-Pool-Conv64-Pool-Flatten-Dense128-Dense10 (243,786 parameters)."""
    return nn.Sequential(
        nn.Conv2d(1, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, classes),
    )


def mnist_cnn(classes=10):
    """Lesson 000: Conv32-Pool-Conv64-Pool-Conv128-Flatten-Dense10 (104,202 parameters)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(1152, classes),
    )


def _keras_bn(channels, dims=2):
    bn = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    return bn(channels, eps=1e-3, momentum=0.01)  # Keras' defaults (momentum 0.99)


def _cifar_block(cin, filters, dropout):
    return [
        nn.Conv2d(cin, filters, 3, padding=1), _keras_bn(filters), nn.ReLU(),
        nn.Conv2d(filters, filters, 3, padding=1), _keras_bn(filters), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(dropout),
    ]


def cifar_cnn(classes=10):
    """Lesson 001: 3 x (Conv-BN-ReLU, Conv-BN-ReLU, MaxPool, Dropout), Dense128-BN-Dropout-Dense10."""
    return nn.Sequential(
        *_cifar_block(3, 32, 0.2), *_cifar_block(32, 64, 0.3), *_cifar_block(64, 128, 0.4),
        nn.Flatten(), nn.Linear(2048, 128), nn.ReLU(), _keras_bn(128, dims=1), nn.Dropout(0.5),
        nn.Linear(128, classes),
    )


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block: relu(shortcut(x) + bn(conv(relu(bn(conv(x))))))."""

    def __init__(self, cin, filters, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, filters, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(filters)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != filters:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, filters, 1, stride, bias=False), nn.BatchNorm2d(filters)
            )

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + shortcut)


def resnet18(classes=10):
    """torchvision's ResNet-18 design (7x7/2 stem, 3x3/2 max pool, 2-2-2-2 basic blocks)."""
    blocks, cin = [], 64
    for filters, stride in ((64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1),
                            (512, 2), (512, 1)):
        blocks.append(BasicBlock(cin, filters, stride))
        cin = filters
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1), *blocks,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes),
    )


MODELS = {"fashion_cnn": fashion_cnn, "mnist_cnn": mnist_cnn, "cifar_cnn": cifar_cnn,
          "resnet18": resnet18}


def build(name):
    """A fresh torch model by benchmark name."""
    torch.manual_seed(0)
    return MODELS[name]()
