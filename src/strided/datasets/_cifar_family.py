"""What CIFAR-10 and CIFAR-100 share: where their files live, reading them, fetching the archive.

A copy is either the published .tar.gz archive (checked against its pinned SHA-256 and read
member by member, never extracted to disk) or an extracted folder such as Keras'
`~/.keras/datasets/cifar-10-batches-py`. The CIFAR authors publish no per-file checksums, so
an extracted folder can only be checked for structure: exact record counts, sizes and label ranges.
"""

import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from strided._config import image_data_format
from strided.datasets import sources
from strided.datasets._download import cache_dir, get_file, sha256_file
from strided.datasets.cifar import PIXELS, parse_binary_batch, parse_python_batch
from strided.datasets.errors import ChecksumError, DatasetError, DownloadError


@dataclass(frozen=True)
class CifarLayout:
    """One published form of a CIFAR dataset.

    Args:
        archive: the published archive's file name; `aliases` are other names it is cached under.
        sha256: the archive's published SHA-256.
        url: where it is published.
        folder: the folder inside the archive (and the name of an extracted copy).
        train, test: (file name, image count) of each batch file.
        binary: True for the fixed-record binary version, False for the pickled python version.
    """

    archive: str
    aliases: tuple
    sha256: str
    url: str
    folder: str
    train: tuple
    test: tuple
    binary: bool


@dataclass(frozen=True)
class CifarLabels:
    """How labels are stored: python keys, binary label bytes, and which one is wanted."""

    keys: tuple  # python-version keys, wanted one first
    classes: tuple  # class count for each key
    binary_bytes: int  # label bytes per binary record
    binary_column: int  # which of them is the wanted label
    binary_classes: tuple


def _parse(data, name, layout, labels, count):
    if layout.binary:
        images, table = parse_binary_batch(
            data, name, labels.binary_bytes, labels.binary_classes, count
        )
        return images, table[:, labels.binary_column].astype(np.int64)
    images, found = parse_python_batch(data, name, labels.keys, labels.classes, count)
    return images, found[labels.keys[0]]


def max_batch_bytes(count):
    """The most bytes a batch file of `count` images may have (pickle overhead included)."""
    return count * (PIXELS + 16) + (1 << 20)


def _check_size(size, limit, name):
    if size > limit:
        raise DatasetError(f"{name}: {size:,} bytes, more than the {limit:,} a CIFAR batch of this size can "
                           "have; refused before reading it.", file=name)


def _read_split(read, layout, labels, files):
    """`read(name)` -> (bytes, name for messages); returns concatenated images and labels."""
    parts = [_parse(*read(name, max_batch_bytes(count)), layout, labels, count) for name, count in files]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def read_archive(path, layout, labels):
    """Read both splits from the archive without extracting it; returns channels-first arrays."""
    try:
        with tarfile.open(path, "r:gz") as archive:

            def read(name, limit):
                info = archive.getmember(f"{layout.folder}/{name}")
                if not info.isfile():
                    raise DatasetError(f"{path}: {layout.folder}/{name} is not a regular file.")
                _check_size(info.size, limit, f"{path}:{layout.folder}/{name}")
                return archive.extractfile(info).read(), f"{path}:{layout.folder}/{name}"

            return _read_split(read, layout, labels, layout.train), _read_split(
                read, layout, labels, layout.test
            )
    except KeyError as error:
        raise DatasetError(f"{path}: the archive has no member {error}.") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path}: damaged or truncated archive ({error}).") from None


def read_folder(folder, layout, labels):
    """Read both splits from an extracted folder (structure checks only)."""
    names = [name for name, _ in layout.train + layout.test]
    missing = [n for n in names if not (Path(folder) / n).is_file()]
    if missing:
        raise DatasetError(f"{folder}: incomplete copy, missing {', '.join(missing)}.")

    def read(name, limit):
        _check_size((Path(folder) / name).stat().st_size, limit, str(Path(folder) / name))
        return (Path(folder) / name).read_bytes(), str(Path(folder) / name)

    return _read_split(read, layout, labels, layout.train), _read_split(
        read, layout, labels, layout.test
    )


def find_in_folder(folder, layouts, labels, verify=True):
    """Look for an archive or an extracted copy of any layout in `folder`.

    Returns (channels-first data, description) or None; raises DatasetError for a broken copy.
    """
    folder = Path(folder)
    for layout in layouts:
        for name in (layout.archive, *layout.aliases):
            path = folder / name
            if path.is_file():
                if verify and (digest := sha256_file(path)) != layout.sha256:
                    raise ChecksumError(
                        f"{path}: SHA-256 {digest} is not the published value {layout.sha256}; "
                        "delete it and fetch it again (or pass verify=False)."
                    )
                return read_archive(
                    path, layout, labels
                ), f"{path} ({'verified' if verify else 'not verified'})"
    for layout in layouts:
        first = layout.train[0][0]
        for sub in (
            folder / layout.folder,
            folder / f"{layout.folder}_extracted" / layout.folder,
            folder / f"{layout.folder}.tar.gz_extracted" / layout.folder,
            folder,
        ):
            if (sub / first).is_file():
                return read_folder(
                    sub, layout, labels
                ), f"{sub} (extracted copy: structure checked, no published checksums)"
    return None


def fetch(layouts, subdir, progress=True):
    """Download the first archive that any mirror serves into `<cache>/<subdir>/`."""
    failures = []
    for layout in layouts:
        try:
            get_file(
                layout.archive, [layout.url], layout.sha256, cache_subdir=subdir, progress=progress
            )
            return cache_dir() / subdir
        except DownloadError as error:
            failures.append(str(error))
    raise DownloadError("\n".join(failures))


def load(dataset, layouts, dirnames, labels, fetch, label_dtype, module_globals, path=None, download=True,
         verify=True):
    """The body of `cifar10.load_data` / `cifar100.load_data`.

    Finds a copy of any of `layouts` (in `path` only, when given, else in the usual folders named
    `dirnames`, else by `fetch()` when `download` is allowed), records where it came from as the
    dataset module's `source` (`module_globals`), and returns Keras' layout with labels of
    `label_dtype`: `(x_train, y_train), (x_test, y_test)`.
    """
    data, where = sources.find_and_load(
        dataset,
        dirnames,
        lambda folder: find_in_folder(folder, layouts, labels, verify),
        fetch,
        path=path,
        download=download,
        advice=sources.advice_text(dataset, dataset),
    )
    sources.report(module_globals, dataset, where)
    return to_keras_layout(data, label_dtype)


def to_keras_layout(data, label_dtype):
    """Channels-first uint8 images -> the global image_data_format; labels -> (N, 1) of `label_dtype`."""
    (x_train, y_train), (x_test, y_test) = data
    if image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1).copy(), x_test.transpose(0, 2, 3, 1).copy()
    return (
        (x_train, y_train.astype(label_dtype).reshape(-1, 1)),
        (x_test, y_test.astype(label_dtype).reshape(-1, 1)),
    )


__all__ = [
    "CifarLabels",
    "CifarLayout",
    "fetch",
    "find_in_folder",
    "load",
    "read_archive",
    "read_folder",
    "to_keras_layout",
]
