"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes grouped into 20 coarse ones.

    from strided.datasets import cifar100
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="fine")

Accepted copies: `cifar-100-binary.tar.gz` or `cifar-100-python.tar.gz` (SHA-256 pinned), or their
extracted folders `cifar-100-binary/` / `cifar-100-python/`. Pickles are read with a restricted
unpickler that cannot run code; downloads fetch the binary version.
"""

from strided.datasets._cifar_family import CifarLabels, CifarLayout
from strided.datasets._cifar_family import fetch as _fetch
from strided.datasets._cifar_family import load as _load

# SHA-256 of the archives: binary from TensorFlow Datasets' checksums, python from Keras' loader.
LAYOUTS = (
    CifarLayout(
        archive="cifar-100-binary.tar.gz", aliases=(),
        sha256="58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
        url="https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", folder="cifar-100-binary",
        train=(("train.bin", 50000),), test=(("test.bin", 10000),), binary=True,
    ),
    CifarLayout(
        archive="cifar-100-python.tar.gz", aliases=(),
        sha256="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
        url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", folder="cifar-100-python",
        train=(("train", 50000),), test=(("test", 10000),), binary=False,
    ),
)
DIRNAMES = ("cifar100", "cifar-100")
_LABELS = {
    # binary records: <coarse byte><fine byte><pixels>
    "fine": CifarLabels(("fine_labels", "coarse_labels"), (100, 20), 2, 1, (20, 100)),
    "coarse": CifarLabels(("coarse_labels", "fine_labels"), (20, 100), 2, 0, (20, 100)),
}

source = None  # set by load_data(): where the arrays came from


def fetch(progress=True):
    """Download the CIFAR-100 archive into the cache (~/.cache/strided/cifar100) and return that folder."""
    return _fetch(LAYOUTS, "cifar100", progress=progress)


def load_data(label_mode="fine", path=None, download=True, verify=True):
    """Load CIFAR-100 as Keras does: `(x_train, y_train), (x_test, y_test)`.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).
        path: a folder holding an archive or an extracted copy; when given, only it is used.
        download: allow downloading when no local copy is found.
        verify: check archives against their pinned SHA-256.

    Returns:
        x_train uint8 (50000, 32, 32, 3), y_train int64 (50000, 1), x_test uint8 (10000, 32, 32, 3),
        y_test int64 (10000, 1) (int64 labels, as Keras returns for CIFAR-100).
    """
    if label_mode not in _LABELS:
        raise ValueError(
            f"cifar100.load_data: label_mode must be 'fine' or 'coarse'. Received: label_mode={label_mode!r}"
        )
    return _load(
        "cifar100", LAYOUTS, DIRNAMES, _LABELS[label_mode], fetch, "int64", globals(), path, download, verify
    )


__all__ = ["LAYOUTS", "fetch", "load_data"]
