"""`CIFAR10` and `CIFAR100` as torchvision has them: items are (32x32 RGB PIL image, int label).

`data` is the uint8 NumPy array (N, 32, 32, 3) and `targets` a list of ints, as in torchvision.
The files are read by `strided.datasets.cifar10` / `cifar100` (the published archives, or
extracted folders such as torchvision's `root/cifar-10-batches-py`).
"""

import numpy as np
from PIL import Image

from strided.datasets import cifar10, cifar100
from strided.torchvision.datasets.vision import VisionDataset, load_arrays, transformed

CIFAR100_CLASSES = (
    "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel "
    "can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur "
    "dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion "
    "lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree "
    "pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea "
    "seal shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table "
    "tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman "
    "worm"
).split()


def channels_last(images):
    """(N, 32, 32, 3) whatever strided's image_data_format made of them."""
    if images.ndim == 4 and images.shape[1] == 3 and images.shape[-1] != 3:
        return np.ascontiguousarray(images.transpose(0, 2, 3, 1))
    return np.ascontiguousarray(images)


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

    Args:
        root: a folder to look in first (the archive or `cifar-10-batches-py` / `-bin`).
        train: the training split (else the test split).
        transform, target_transform: applied to the PIL image and to the int label.
        download: download into strided's cache when no copy is found.
    """

    classes = list(cifar10.CLASS_NAMES)

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        (x_train, y_train), (x_test, y_test) = self._load(download)
        images, labels = (x_train, y_train) if train else (x_test, y_test)
        self.data = channels_last(images)
        self.targets = [int(label) for label in np.asarray(labels).reshape(-1)]

    def _load(self, download):
        return load_arrays("CIFAR10", cifar10.load_data, self.root, download)

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index):
        image, target = Image.fromarray(self.data[index]), self.targets[index]
        return transformed(self.transform, self.target_transform, image, target)

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: as CIFAR10 with 100 fine classes (`targets` are the fine labels, as torchvision's)."""

    classes = list(CIFAR100_CLASSES)

    def _load(self, download):
        return load_arrays("CIFAR100", cifar100.load_data, self.root, download, label_mode="fine")


__all__ = ["CIFAR10", "CIFAR100"]
