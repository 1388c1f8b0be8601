"""Download a file once, check its SHA-256 and keep it in a cache folder.

Keras' `get_file`, made stricter:
- every file has a pinned SHA-256, and a cached copy is checked again before it is used;
- the bytes go to a temporary file in the destination folder, which is renamed into place
  (`os.replace`) only once the whole file has arrived and its hash matches, so an interrupted
  or corrupted download never leaves a file that looks finished;
- each mirror is tried in turn; if all fail, the error lists every address and its failure.
"""

import hashlib
import logging
import os
import tempfile
import urllib.request
from pathlib import Path

from strided.datasets.errors import ChecksumError, DownloadError

logger = logging.getLogger("strided.datasets")

CHUNK_SIZE = 1 << 20  # read and hash 1 MiB at a time


def cache_dir():
    """The folder downloads go to: $STRIDED_DATA if set, else $XDG_CACHE_HOME/strided, else ~/.cache/strided."""
    if os.environ.get("STRIDED_DATA"):
        return Path(os.environ["STRIDED_DATA"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "strided"


def sha256_file(path):
    """The SHA-256 of a file's bytes as 64 hex digits, read in 1 MiB chunks.

    >>> sha256_file("train-labels-idx1-ubyte.gz")  # doctest: +SKIP
    'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _open_url(url, timeout):
    """Open a URL for reading (module-level so tests can replace it with a fake server)."""
    request = urllib.request.Request(url, headers={"User-Agent": "strided (python urllib)"})
    return urllib.request.urlopen(request, timeout=timeout)


def _progress_bar(total, description, enabled):
    """A tqdm byte counter if tqdm is installed and progress is wanted, else None."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(
        total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=description, leave=False
    )


def download(url, destination, sha256, progress=True, timeout=60):
    """Fetch `url` into `destination`, atomically, and check its SHA-256.

    Args:
        url: http(s):// or file:// address.
        destination: final path; its folder is created if needed.
        sha256: the expected hex digest; a mismatch removes the download and raises ChecksumError.
        progress: show a tqdm progress bar when tqdm is installed.
        timeout: seconds to wait for the server before giving up.

    Returns:
        destination, as a Path.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    bar = None
    try:
        digest, received = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out, _open_url(url, timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            bar = _progress_bar(total, destination.name, progress)
            while chunk := response.read(CHUNK_SIZE):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if total is not None and received != total:
            raise DownloadError(f"the connection closed after {received:,} of {total:,} bytes")
        actual = digest.hexdigest()
        if actual != sha256:
            raise ChecksumError(
                f"the file downloaded from {url} has SHA-256 {actual}, but the published value is "
                f"{sha256}; it was deleted. The mirror may be serving a different or damaged file."
            )
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except BaseException:  # includes KeyboardInterrupt: never leave a partial file behind
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return destination


def get_file(fname, origins, sha256, cache_subdir="", cache_root=None, progress=True, timeout=60):
    """Return a verified local copy of a file, downloading it from the first mirror that works.

    Args:
        fname: the file name to store it under.
        origins: a list of URLs (mirrors) tried in order.
        sha256: the published SHA-256 of the file.
        cache_subdir: sub-folder of the cache (e.g. "fashion-mnist").
        cache_root: the cache folder; default `cache_dir()` (~/.cache/strided or $STRIDED_DATA).
        progress: show a progress bar (needs tqdm).

    Returns:
        The Path of the verified file.

    Example:
        >>> get_file("t10k-labels-idx1-ubyte.gz",  # doctest: +SKIP
        ...          ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"],
        ...          sha256="67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ...          cache_subdir="fashion-mnist")
    """
    if isinstance(origins, str):
        origins = [origins]
    target = Path(cache_root if cache_root is not None else cache_dir()) / cache_subdir / fname
    if target.is_file():
        if sha256_file(target) == sha256:
            return target
        logger.warning(
            "The cached file %s does not match its published SHA-256; downloading it again.", target
        )
    failures = []
    for url in origins:
        logger.info("Downloading %s to %s", url, target)
        try:
            return download(url, target, sha256, progress=progress, timeout=timeout)
        except Exception as error:  # noqa: BLE001 - any failure means: try the next mirror
            failures.append(f"      {url}: {type(error).__name__}: {error}")
    raise DownloadError(f"Could not download {fname} from any mirror:\n" + "\n".join(failures))


__all__ = ["cache_dir", "download", "get_file", "sha256_file"]
