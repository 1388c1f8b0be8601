"""What MNIST and Fashion-MNIST share: four IDX files, their checksums, loading and fetching them.

A file is accepted when its SHA-256 is one of the published values, or -- for copies that were
re-compressed by a packager, such as Debian's `dataset-fashion-mnist`, whose .gz files differ from
upstream only in the gzip header -- when the SHA-256 of its uncompressed IDX bytes is the pinned one.
"""

import hashlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from strided.datasets._download import cache_dir, get_file
from strided.datasets.errors import ChecksumError, DatasetError
from strided.datasets.idx import decompress, parse_idx

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049


@dataclass(frozen=True)
class IdxFile:
    """One IDX file of a dataset.

    Args:
        name: the published file name ("train-images-idx3-ubyte.gz").
        sha256: accepted SHA-256 digests of the file as distributed (first = the published one).
        content_sha256: digest of the uncompressed IDX bytes, or None if not pinned.
        count: the number of images or labels it must hold.
    """

    name: str
    sha256: tuple
    content_sha256: str | None
    count: int

    @property
    def is_images(self):
        return "images" in self.name

    def locate(self, folder):
        """The file in `folder`, compressed or not, or None."""
        for candidate in (self.name, self.name.removesuffix(".gz")):
            path = Path(folder) / candidate
            if path.is_file():
                return path
        return None

    @property
    def size(self):
        """The exact size of the uncompressed IDX file (header + values)."""
        return 16 + self.count * 28 * 28 if self.is_images else 8 + self.count

    def load(self, path, verify=True):
        """Read, verify and parse the file; errors name the file.

        The SHA-256 of the file as stored is checked first; only a file that fails it is
        decompressed (at most `size` bytes) to compare its content's SHA-256.
        """
        if Path(path).stat().st_size > self.size + (1 << 20):
            raise DatasetError(f"{path}: {Path(path).stat().st_size:,} bytes, larger than the {self.size:,}-byte "
                               "file it should be (even uncompressed); the wrong file?", file=str(path))
        raw = Path(path).read_bytes()
        content = None
        digest = hashlib.sha256(raw).hexdigest() if verify else None
        if verify and digest not in self.sha256:
            # a re-compressed copy (e.g. Debian's) is accepted by its uncompressed content
            if self.content_sha256 is not None:
                try:
                    content = decompress(raw, str(path), max_bytes=self.size)
                except DatasetError:
                    content = None
            if content is None or hashlib.sha256(content).hexdigest() != self.content_sha256:
                raise ChecksumError(
                    f"{path}: SHA-256 {digest} is not the published value {self.sha256[0]}"
                    + (
                        f" (nor is its uncompressed content {self.content_sha256})"
                        if self.content_sha256
                        else ""
                    )
                    + ". The file is damaged or is a different file; delete it and fetch it again"
                    " (or pass verify=False to load it anyway)."
                )
        if content is None:
            content = decompress(raw, str(path), max_bytes=self.size)
        if self.is_images:
            array = parse_idx(content, str(path), magic=IMAGES_MAGIC, shape=(self.count, 28, 28))
        else:
            array = parse_idx(content, str(path), magic=LABELS_MAGIC, shape=(self.count,))
            if array.size and array.max() > 9:
                raise DatasetError(f"{path}: labels must be 0-9, found {int(array.max())}.")
        return array


def load_idx_folder(folder, files, verify=True):
    """Load the four files (train images, train labels, test images, test labels) from a folder.

    Returns ((x_train, y_train), (x_test, y_test)) uint8 arrays, or None when none of the files is
    there; raises DatasetError when only some are there or one is broken.
    """
    paths = [spec.locate(folder) for spec in files]
    if all(p is None for p in paths):
        return None
    missing = [spec.name for spec, p in zip(files, paths) if p is None]
    if missing:
        raise DatasetError(f"{folder}: incomplete copy, missing {', '.join(missing)}.")
    x_train, y_train, x_test, y_test = (spec.load(p, verify) for spec, p in zip(files, paths))
    return (x_train, y_train), (x_test, y_test)


def load_npz(path, train_count=60000, test_count=10000):
    """Read Keras' mnist.npz layout (x_train, y_train, x_test, y_test) without pickle, checking shapes."""
    expected = {
        "x_train": (train_count, 28, 28),
        "y_train": (train_count,),
        "x_test": (test_count, 28, 28),
        "y_test": (test_count,),
    }
    try:
        _check_npz_members(path, {key: int(np.prod(shape)) for key, shape in expected.items()})
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in expected}
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError, NotImplementedError,
            zlib.error) as error:
        if isinstance(error, DatasetError):
            raise
        raise DatasetError(f"{path}: not a valid MNIST .npz file ({type(error).__name__}: {error}).",
                           file=str(path)) from None
    for key, shape in expected.items():
        if arrays[key].shape != shape or arrays[key].dtype != np.uint8:
            raise DatasetError(
                f"{path}: {key} has shape {arrays[key].shape} and dtype {arrays[key].dtype}, expected {shape} uint8."
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_npz_members(path, sizes):
    """Refuse an npz whose members are encrypted, use an unknown compression, or declare more
    bytes than `sizes` (key -> uint8 values) plus a header allow -- before np.load reads any."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            if info.flag_bits & 1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise DatasetError(f"{path}: member '{info.filename}' is encrypted or uses an unknown "
                                   "compression method.", file=str(path), part=info.filename)
            if info.file_size > sizes.get(key, 0) + 4096:
                raise DatasetError(f"{path}: member '{info.filename}' declares {info.file_size:,} bytes, "
                                   f"expected at most {sizes.get(key, 0) + 4096:,}.", file=str(path),
                                   part=info.filename)


def fetch_idx(files, mirrors, subdir, progress=True):
    """Download the four IDX files into `<cache>/<subdir>/`, each from the first mirror that works."""
    for spec in files:
        get_file(
            spec.name,
            [base + spec.name for base in mirrors],
            spec.sha256[0],
            cache_subdir=subdir,
            progress=progress,
        )
    return cache_dir() / subdir


__all__ = ["IdxFile", "fetch_idx", "load_idx_folder", "load_npz"]
