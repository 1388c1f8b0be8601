"""Datasets with Keras' loaders: `strided.datasets.mnist.load_data()` and friends.

    from strided.datasets import fashion_mnist
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()             # the real data
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)  # bundled, offline

Every loader looks in `path=`, $STRIDED_DATA, the system's copies (/usr/share/datasets), Keras'
cache (~/.keras/datasets) and strided's cache (~/.cache/strided), then downloads from the dataset's
mirrors, checking every file against a pinned SHA-256 (see `strided.datasets.sources`).
The module's `source` attribute says which copy was used. This package is a leaf: plain ndarrays out.
"""

from strided.datasets import cifar10, cifar100, fashion_mnist, mnist
from strided.datasets._download import cache_dir, get_file, sha256_file
from strided.datasets.errors import ChecksumError, DatasetError, DatasetNotFoundError, DownloadError

DATASETS = {
    "mnist": mnist,
    "fashion-mnist": fashion_mnist,
    "cifar10": cifar10,
    "cifar100": cifar100,
}


def fetch(name, progress=True):
    """Download a dataset into the cache so it loads offline later; returns the folder.

    Args:
        name: "mnist", "fashion-mnist", "cifar10" or "cifar100" (underscores and case are ignored).

    Example:
        >>> fetch("fashion-mnist")  # doctest: +SKIP
        PosixPath('/home/me/.cache/strided/fashion-mnist')
    """
    key = str(name).lower().replace("_", "-")
    key = {"cifar-10": "cifar10", "cifar-100": "cifar100", "fashionmnist": "fashion-mnist"}.get(
        key, key
    )
    if key not in DATASETS:
        raise ValueError(f"fetch: unknown dataset {name!r}; expected one of {sorted(DATASETS)}.")
    return DATASETS[key].fetch(progress=progress)


__all__ = [
    "DATASETS",
    "ChecksumError",
    "DatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "cache_dir",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "fetch",
    "get_file",
    "mnist",
    "sha256_file",
]
