"""`VisionDataset`: what torchvision's datasets share -- root, transforms and the repr.

Datasets find their data with strided's loaders (`strided.datasets`): first in `root` (also in
torchvision's layout, e.g. `root/FashionMNIST/raw`), then in the usual places (the Debian dataset
packages under /usr/share/datasets, $STRIDED_DATA, the Keras and strided caches), then, with
`download=True`, by downloading into strided's cache (every file checked against a pinned SHA-256).
"""

import os

from strided.datasets import DatasetNotFoundError
from strided.torch.utils.data import Dataset

_LOADED = {}  # (dataset, root, options) -> arrays, so train and test share one read of the files


def load_arrays(name, load_data, root, download, **options):
    """`load_data(...)`'s arrays, looking in `root` first, then strided's usual places.

    Raises:
        DatasetNotFoundError: no copy anywhere (and no download allowed or possible); the message
            lists every place tried and how to get the data.
    """
    key = (name, os.fspath(root) if root is not None else None, download, tuple(sorted(options.items())))
    if key in _LOADED:
        return _LOADED[key]
    data = None
    if root is not None and os.path.isdir(os.path.expanduser(os.fspath(root))):
        try:
            data = load_data(path=os.path.expanduser(os.fspath(root)), download=False, **options)
        except DatasetNotFoundError:
            data = None
    if data is None:
        try:
            data = load_data(download=download, **options)
        except DatasetNotFoundError as error:
            hint = "" if download else " You can use download=True to download it."
            raise DatasetNotFoundError(f"{name}: dataset not found in root={os.fspath(root)!r} nor elsewhere.{hint}\n"
                                       f"{error}") from None
    _LOADED.clear()  # keep only the latest dataset's arrays in memory
    _LOADED[key] = data
    return data


def transformed(transform, target_transform, sample, target):
    """(transform(sample), target_transform(target)), each only when given. The datasets pass
    their attributes at every item, as torchvision's do, so a transform assigned after the
    dataset was made applies."""
    if transform is not None:
        sample = transform(sample)
    if target_transform is not None:
        target = target_transform(target)
    return sample, target


class StandardTransform:
    """The pair (transform, target_transform) applied to an (input, target) item."""

    def __init__(self, transform=None, target_transform=None):
        self.transform, self.target_transform = transform, target_transform

    def __call__(self, input, target):  # noqa: A002 - torchvision's name
        return transformed(self.transform, self.target_transform, input, target)

    def __repr__(self):
        body = [type(self).__name__]
        for title, transform in (("Transform: ", self.transform), ("Target transform: ", self.target_transform)):
            if transform is not None:
                lines = repr(transform).splitlines()
                body.append(title + lines[0])
                body.extend(" " * len(title) + line for line in lines[1:])
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base of the image datasets: `root`, `transform`, `target_transform` and torchvision's repr."""

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        has_separate = transform is not None or target_transform is not None
        if transforms is not None and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform, self.target_transform = transform, target_transform
        self.transforms = transforms if transforms is not None else StandardTransform(transform, target_transform)

    def extra_repr(self):
        return ""

    def __repr__(self):
        head = "Dataset " + type(self).__name__
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body += repr(self.transforms).splitlines()
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])
