"""Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing (Zalando Research, MIT license).

    from strided.datasets import fashion_mnist
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    fashion_mnist.source          # where the data came from, e.g. "system copy /usr/share/datasets/fashion-mnist ..."

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot.

Checksums. The published .gz files' SHA-256 are pinned (they match the MD5s Zalando publishes).
Debian's `dataset-fashion-mnist` ships the same compressed streams with the original file name
removed from the gzip header (so the .gz bytes differ while the data is identical); those copies are
accepted through the SHA-256 of the uncompressed IDX bytes, also pinned here.
"""

from pathlib import Path

import numpy as np

from strided.datasets import sources
from strided.datasets._mnist_family import IdxFile, fetch_idx, load_idx_folder

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# sha256: (Zalando's published .gz, Debian's re-headered .gz); content_sha256: the uncompressed IDX bytes
FILES = (
    IdxFile(
        name="train-images-idx3-ubyte.gz",
        sha256=("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        content_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        count=60000,
    ),
    IdxFile(
        name="train-labels-idx1-ubyte.gz",
        sha256=("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        content_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        count=60000,
    ),
    IdxFile(
        name="t10k-images-idx3-ubyte.gz",
        sha256=("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        content_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        count=10000,
    ),
    IdxFile(
        name="t10k-labels-idx1-ubyte.gz",
        sha256=("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
        content_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        count=10000,
    ),
)

MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # official bucket (http only)
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",  # Keras' copy
)
DIRNAMES = ("fashion-mnist", "fashion_mnist", "FashionMNIST/raw")
SAMPLE_PATH = Path(__file__).parent / "sample" / "fashion_mnist_sample.npz"

source = None  # set by load_data(): where the arrays came from


def load_sample():
    """The bundled class-balanced sample: 3,000 training and 1,000 test images (see sample/README.md)."""
    with np.load(SAMPLE_PATH, allow_pickle=False) as archive:
        return (archive["x_train"], archive["y_train"]), (archive["x_test"], archive["y_test"])


def fetch(progress=True):
    """Download the four files into the cache (~/.cache/strided/fashion-mnist) and return that folder."""
    return fetch_idx(FILES, MIRRORS, "fashion-mnist", progress=progress)


def load_data(path=None, sample=False, download=True, verify=True):
    """Load Fashion-MNIST as Keras does: `(x_train, y_train), (x_test, y_test)`.

    Args:
        path: a folder holding the four original files (.gz or uncompressed); when given, only it is used.
        sample: return the small bundled sample instead (works offline, in milliseconds).
        download: allow downloading when no local copy is found (see `strided.datasets.sources`).
        verify: check every file against its pinned SHA-256.

    Returns:
        x_train uint8 (60000, 28, 28), y_train uint8 (60000,), x_test uint8 (10000, 28, 28),
        y_test uint8 (10000,); with sample=True, 3000 and 1000 images.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data(sample=True)
        >>> x_train.shape, y_train.dtype
        ((3000, 28, 28), dtype('uint8'))
    """
    if sample:
        data = load_sample()
        sources.report(globals(), "fashion_mnist", f"bundled sample {SAMPLE_PATH}")
        return data

    def try_folder(folder):
        data = load_idx_folder(folder, FILES, verify)
        return (
            None
            if data is None
            else (data, f"{folder} ({'verified' if verify else 'not verified'})")
        )

    data, where = sources.find_and_load(
        "fashion_mnist",
        DIRNAMES,
        try_folder,
        fetch,
        path=path,
        download=download,
        advice=sources.advice_text(
            "fashion_mnist", "fashion-mnist", "dataset-fashion-mnist", sample=True
        ),
    )
    sources.report(globals(), "fashion_mnist", where)
    return data


__all__ = ["CLASS_NAMES", "FILES", "MIRRORS", "fetch", "load_data", "load_sample"]
