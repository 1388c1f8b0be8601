"""Published pretrained-weight files: where they live, how to check them, how to fetch them.

`fetch(entry)` returns a verified local copy of one file. It looks first in the strided cache
(`<cache>/models/`, see `strided.datasets.cache_dir`) and in Keras' cache (`~/.keras/models/`),
so files fetched by Keras are reused; otherwise it downloads into the strided cache with a
progress bar, through a temporary file renamed into place only once the hash matches.

How each file is checked depends on what its publisher gives:
* Keras publishes an MD5 for most application files (VGG, ResNet, Inception, EfficientNet);
* torchvision puts the first hex digits of the SHA-256 in the file name (`resnet18-f37072fd.pth`);
* a full SHA-256 goes through `strided.datasets.get_file`;
* Keras publishes nothing for MobileNetV2: the SHA-256 of the first download is recorded next to
  the file (`<name>.sha256`) and every later use is checked against it.

Offline, `fetch` raises `WeightsUnavailableError` naming the file, its address and the folder
to put it in.
"""

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from strided.datasets import _download
from strided.datasets.errors import ChecksumError, DownloadError

logger = logging.getLogger("strided.applications")

KERAS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
TORCHVISION_BASE = "https://download.pytorch.org/models/"


class WeightsUnavailableError(DownloadError):
    """A weights file is not in any cache and could not be downloaded (e.g. no network)."""


@dataclass(frozen=True)
class WeightsFile:
    """One published file: its name, its address and the digest its publisher gives."""

    fname: str
    url: str
    md5: str = None
    sha256: str = None
    sha256_prefix: str = None
    subdir: str = "models"


def keras_file(folder, fname, md5=None, base=KERAS_BASE):
    return WeightsFile(fname, f"{base}{folder}{fname}", md5=md5)


def torchvision_file(fname):
    """torchvision names its files `<arch>-<first 8 hex digits of the SHA-256>.pth`."""
    return WeightsFile(
        fname, TORCHVISION_BASE + fname, sha256_prefix=fname.rsplit("-", 1)[1].split(".")[0]
    )


def cache_folder(entry):
    return Path(_download.cache_dir()) / entry.subdir


def _digest(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(_download.CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _sidecar(path):
    return Path(f"{path}.sha256")


def verify(path, entry):
    """True if the file at `path` is the published one (see the module docstring)."""
    if entry.sha256:
        return _digest(path, "sha256") == entry.sha256
    if entry.md5:
        return _digest(path, "md5") == entry.md5
    if entry.sha256_prefix:
        return _digest(path, "sha256").startswith(entry.sha256_prefix)
    recorded = _sidecar(path)
    if recorded.is_file():
        return _digest(path, "sha256") == recorded.read_text().strip()
    logger.warning("No published checksum exists for %s; using it unverified.", path)
    return True


def _describe_hash(entry):
    for name in ("sha256", "md5", "sha256_prefix"):
        if getattr(entry, name):
            return f"{name.replace('_prefix', ' prefix').upper()} {getattr(entry, name)}"
    return "no published checksum"


def fetch(entry, progress=True, timeout=60):
    """A verified local copy of `entry` (a WeightsFile), from a cache or downloaded once."""
    target = cache_folder(entry) / entry.fname
    keras_copy = Path.home() / ".keras" / entry.subdir / entry.fname
    for candidate in (target, keras_copy):
        if candidate.is_file():
            if verify(candidate, entry):
                return candidate
            logger.warning(
                "%s does not match its published %s; ignoring it.", candidate, _describe_hash(entry)
            )
    try:
        if entry.sha256:
            return _download.get_file(
                entry.fname,
                [entry.url],
                entry.sha256,
                cache_subdir=entry.subdir,
                progress=progress,
                timeout=timeout,
            )
        return _download_checked(entry, target, progress, timeout)
    except ChecksumError:
        raise
    except Exception as error:  # noqa: BLE001 - any network failure means: tell the user what to place where
        raise WeightsUnavailableError(
            f"Could not download {entry.fname} from {entry.url} ({type(error).__name__}: {error}). "
            f"Without a network, download that file on another machine and place it at {target} "
            "(the strided cache; set STRIDED_DATA to use another folder) or in "
            f"{keras_copy.parent}/. "
            f"It is checked against its {_describe_hash(entry)}."
        ) from None


def _download_checked(entry, target, progress, timeout):
    """Download to a temporary file beside `target`, check it, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    bar = None
    try:
        md5, sha256 = hashlib.md5(), hashlib.sha256()
        with os.fdopen(fd, "wb") as out, _download._open_url(entry.url, timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            bar = _download._progress_bar(total, target.name, progress)
            received = 0
            while chunk := response.read(_download.CHUNK_SIZE):
                out.write(chunk)
                md5.update(chunk)
                sha256.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        if total is not None and received != total:
            raise DownloadError(f"the connection closed after {received:,} of {total:,} bytes")
        expected = entry.md5 or entry.sha256_prefix
        actual = md5.hexdigest() if entry.md5 else sha256.hexdigest()
        if expected and not actual.startswith(expected):
            raise ChecksumError(
                f"the file downloaded from {entry.url} has digest {actual}, but the published "
                f"value is {expected}; it was deleted. The server may be serving a different or "
                "damaged file."
            )
        os.chmod(temporary, 0o644)
        if not expected:  # record the hash first, so a file in place always has its record
            record = Path(f"{temporary}.sha256")
            record.write_text(sha256.hexdigest() + "\n")
            os.replace(record, _sidecar(target))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return target


__all__ = []
