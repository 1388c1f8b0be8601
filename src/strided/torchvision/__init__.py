"""strided.torchvision: torchvision's datasets and transforms for the PyTorch front end.

    from strided.torchvision import datasets, io, models, transforms, utils
    train = datasets.FashionMNIST("data", train=True, download=True, transform=transforms.ToTensor())

The datasets read strided's own copies (the Debian dataset packages, the caches, downloads
checked against pinned SHA-256s); the transforms give torchvision's results.
"""

from strided.torchvision import datasets, io, models, transforms, utils

__version__ = "0.28.0+strided"

__all__ = ["datasets", "io", "models", "transforms", "utils"]
