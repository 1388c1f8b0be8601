"""`MNIST` and `FashionMNIST` as torchvision has them: items are (28x28 PIL image, int label).

    train = FashionMNIST("data", train=True, download=True, transform=transforms.ToTensor())
    image, label = train[0]          # a (1, 28, 28) float tensor in [0, 1], an int

`data` is the uint8 tensor (N, 28, 28) and `targets` the int64 tensor (N,), as in torchvision.
`sample=True` (a strided addition) uses Fashion-MNIST's bundled sample of 3,000 training and
1,000 test images, which needs no files at all.
"""

import numpy as np
from PIL import Image

from strided.datasets import fashion_mnist, mnist
from strided.torchvision.datasets.vision import VisionDataset, load_arrays, transformed


def _torch():
    import strided.torch

    return strided.torch


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images.

    Args:
        root: a folder to look in first (torchvision's `root/MNIST/raw` layout or the four files).
        train: the training split (else the test split).
        transform: applied to the PIL image (e.g. `transforms.ToTensor()`).
        target_transform: applied to the int label.
        download: download into strided's cache when no copy is found (checked against pinned
            SHA-256s); without it, a clear error lists where the data was looked for.
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]
    _loader = mnist

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False, sample=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        (x_train, y_train), (x_test, y_test) = self._load(download, sample)
        images, labels = (x_train, y_train) if train else (x_test, y_test)
        self._images = np.ascontiguousarray(images, dtype=np.uint8)
        torch = _torch()
        self.data = torch.from_numpy(self._images)
        self.targets = torch.from_numpy(np.asarray(labels, dtype=np.int64).reshape(-1))
        self._labels = self.targets.numpy()

    def _load(self, download, sample):
        if sample:
            raise ValueError(f"{type(self).__name__}: sample=True exists only for FashionMNIST.")
        return load_arrays(type(self).__name__, self._loader.load_data, self.root, download)

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data

    def __getitem__(self, index):
        image = Image.fromarray(self._images[int(index)])
        target = int(self._labels[int(index)])
        return transformed(self.transform, self.target_transform, image, target)

    def __len__(self):
        return len(self._images)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale clothing images in 10 classes (MNIST's layout).

    Args: as `MNIST`, plus `sample=True` for the bundled 3,000 + 1,000 image sample.

    Example:
        >>> from strided.torchvision import transforms
        >>> test = FashionMNIST("data", train=False, sample=True, transform=transforms.ToTensor())
        >>> image, label = test[0]
        >>> tuple(image.shape), type(label).__name__
        ((1, 28, 28), 'int')
    """

    classes = list(fashion_mnist.CLASS_NAMES)
    _loader = fashion_mnist

    def _load(self, download, sample):
        if sample:
            return load_arrays("FashionMNIST", self._loader.load_data, None, False, sample=True)
        return load_arrays(type(self).__name__, self._loader.load_data, self.root, download)


__all__ = ["MNIST", "FashionMNIST"]
