"""MNIST: 70,000 28x28 grayscale handwritten digits (LeCun, Cortes and Burges).

    from strided.datasets import mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    mnist.source                  # where the data came from

A folder may hold either the four original IDX files (`train-images-idx3-ubyte.gz`, ...) or Keras'
`mnist.npz`; both are checked against pinned SHA-256 values. The IDX digests are the ones TensorFlow
Datasets publishes for the files mirrored from Yann LeCun's site; the .npz digest is the one Keras pins.
"""

from pathlib import Path

from strided.datasets import sources
from strided.datasets._download import cache_dir, get_file, sha256_file
from strided.datasets._mnist_family import IdxFile, fetch_idx, load_idx_folder, load_npz
from strided.datasets.errors import ChecksumError, DownloadError

# The SHA-256 TensorFlow Datasets publishes for LeCun's files (same bytes on both mirrors below);
# no uncompressed-content digest is pinned, so re-compressed copies need verify=False.
FILES = (
    IdxFile(name="train-images-idx3-ubyte.gz", content_sha256=None, count=60000,
            sha256=("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",)),
    IdxFile(name="train-labels-idx1-ubyte.gz", content_sha256=None, count=60000,
            sha256=("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",)),
    IdxFile(name="t10k-images-idx3-ubyte.gz", content_sha256=None, count=10000,
            sha256=("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",)),
    IdxFile(name="t10k-labels-idx1-ubyte.gz", content_sha256=None, count=10000,
            sha256=("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",)),
)
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's mirror of LeCun's files
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # Google's mirror (TensorFlow Datasets)
)
NPZ_NAME = "mnist.npz"
NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
NPZ_URL = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"  # the copy Keras uses
)
DIRNAMES = ("mnist", "MNIST/raw")

source = None  # set by load_data(): where the arrays came from


def _load_npz_checked(path, verify):
    if verify:
        digest = sha256_file(path)
        if digest != NPZ_SHA256:
            raise ChecksumError(
                f"{path}: SHA-256 {digest} is not the published value {NPZ_SHA256}; "
                "delete it and fetch it again (or pass verify=False)."
            )
    return load_npz(path)


def fetch(progress=True):
    """Download MNIST into the cache (~/.cache/strided/mnist): the IDX files, else Keras' mnist.npz."""
    try:
        return fetch_idx(FILES, MIRRORS, "mnist", progress=progress)
    except DownloadError as idx_error:
        try:
            get_file(NPZ_NAME, [NPZ_URL], NPZ_SHA256, cache_subdir="mnist", progress=progress)
        except DownloadError as npz_error:
            raise DownloadError(f"{idx_error}\n{npz_error}") from None
        return cache_dir() / "mnist"


def load_data(path=None, download=True, verify=True):
    """Load MNIST as Keras does: `(x_train, y_train), (x_test, y_test)`.

    Args:
        path: a folder with the four IDX files or mnist.npz, or the path of an mnist.npz file;
            when given, only it is used. (Keras' default value "mnist.npz" means "the usual places".)
        download: allow downloading when no local copy is found.
        verify: check every file against its pinned SHA-256.

    Returns:
        x_train uint8 (60000, 28, 28), y_train uint8 (60000,), x_test uint8 (10000, 28, 28), y_test uint8 (10000,).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape
        (60000, 28, 28)
    """
    if path == NPZ_NAME and not Path(NPZ_NAME).exists():
        path = None
    if path is not None and Path(path).expanduser().is_file():
        data = _load_npz_checked(Path(path).expanduser(), verify)
        sources.report(globals(), "mnist", f"path= {path}")
        return data

    def try_folder(folder):
        data = load_idx_folder(folder, FILES, verify)
        if data is None and (Path(folder) / NPZ_NAME).is_file():
            data = _load_npz_checked(Path(folder) / NPZ_NAME, verify)
            folder = Path(folder) / NPZ_NAME
        return (
            None
            if data is None
            else (data, f"{folder} ({'verified' if verify else 'not verified'})")
        )

    data, where = sources.find_and_load(
        "mnist",
        DIRNAMES,
        try_folder,
        fetch,
        path=path,
        download=download,
        advice=sources.advice_text("mnist", "mnist"),
    )
    sources.report(globals(), "mnist", where)
    return data


__all__ = ["FILES", "MIRRORS", "NPZ_SHA256", "NPZ_URL", "fetch", "load_data"]
