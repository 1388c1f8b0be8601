"""CIFAR-10: 60,000 32x32 colour images in 10 classes (Krizhevsky, 2009).

    from strided.datasets import cifar10
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    cifar10.source                # where the data came from

Accepted copies: the published archives `cifar-10-binary.tar.gz` or `cifar-10-python.tar.gz`
(SHA-256 pinned), or their extracted folders `cifar-10-batches-bin/` / `cifar-10-batches-py/`
(e.g. Keras' cache). The pickled python batches are read with a restricted unpickler that cannot
run code; downloads fetch the binary version, which needs no unpickling at all.
"""

from strided.datasets._cifar_family import CifarLabels, CifarLayout
from strided.datasets._cifar_family import fetch as _fetch
from strided.datasets._cifar_family import load as _load

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

# SHA-256 of the archives: binary from TensorFlow Datasets' checksums, python from Keras' loader.
LAYOUTS = (
    CifarLayout(
        archive="cifar-10-binary.tar.gz", aliases=(),
        sha256="c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", folder="cifar-10-batches-bin",
        train=tuple((f"data_batch_{i}.bin", 10000) for i in range(1, 6)), test=(("test_batch.bin", 10000),),
        binary=True,
    ),
    CifarLayout(
        archive="cifar-10-python.tar.gz", aliases=("cifar-10-batches-py.tar.gz",),  # Keras caches it so
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", folder="cifar-10-batches-py",
        train=tuple((f"data_batch_{i}", 10000) for i in range(1, 6)), test=(("test_batch", 10000),),
        binary=False,
    ),
)
LABELS = CifarLabels(
    keys=("labels",), classes=(10,), binary_bytes=1, binary_column=0, binary_classes=(10,)
)
DIRNAMES = ("cifar10", "cifar-10")

source = None  # set by load_data(): where the arrays came from


def fetch(progress=True):
    """Download the CIFAR-10 archive into the cache (~/.cache/strided/cifar10) and return that folder."""
    return _fetch(LAYOUTS, "cifar10", progress=progress)


def load_data(path=None, download=True, verify=True):
    """Load CIFAR-10 as Keras does: `(x_train, y_train), (x_test, y_test)`.

    Args:
        path: a folder holding an archive or an extracted copy; when given, only it is used.
        download: allow downloading when no local copy is found.
        verify: check archives against their pinned SHA-256.

    Returns:
        x_train uint8 (50000, 32, 32, 3) (channels_first: (50000, 3, 32, 32)), y_train uint8 (50000, 1),
        x_test uint8 (10000, 32, 32, 3), y_test uint8 (10000, 1).

    Example:
        >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.shape
        ((50000, 32, 32, 3), (50000, 1))
    """
    return _load("cifar10", LAYOUTS, DIRNAMES, LABELS, fetch, "uint8", globals(), path, download, verify)


__all__ = ["CLASS_NAMES", "LAYOUTS", "fetch", "load_data"]
