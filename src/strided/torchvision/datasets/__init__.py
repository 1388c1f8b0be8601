"""`torchvision.datasets`: MNIST, FashionMNIST, CIFAR10 and CIFAR100 on strided's own loaders,
ImageFolder / DatasetFolder for folders of images, and FakeData (random images).

    from strided.torchvision import datasets, transforms
    train = datasets.FashionMNIST("data", train=True, download=True, transform=transforms.ToTensor())
"""

from strided.torchvision.datasets.cifar import CIFAR10, CIFAR100
from strided.torchvision.datasets.fakedata import FakeData
from strided.torchvision.datasets.folder import DatasetFolder, ImageFolder
from strided.torchvision.datasets.mnist import MNIST, FashionMNIST
from strided.torchvision.datasets.vision import StandardTransform, VisionDataset

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "MNIST",
    "DatasetFolder",
    "FakeData",
    "FashionMNIST",
    "ImageFolder",
    "StandardTransform",
    "VisionDataset",
]
