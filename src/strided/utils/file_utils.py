"""`get_file`: a file from a URL, downloaded once into Keras' cache folder (`keras.utils.get_file`).

Same arguments, cache layout (`~/.keras/datasets`, or `$KERAS_HOME/datasets`) and archive
naming as Keras 3, so a file Keras (or you) already put there is used without any network.
A cached file whose `file_hash` does not match is downloaded again; a fresh download whose
hash does not match is deleted and reported. When the download fails (an offline machine),
the error names the URL and the exact path to put the file at.
"""

import hashlib
import os
import shutil
import tempfile

# urllib.request, tarfile and zipfile are imported where used: `import strided` stays quick.


def keras_home():
    """Keras' cache root: $KERAS_HOME, else ~/.keras."""
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def resolve_hasher(algorithm, file_hash=None):
    """"sha256" or "md5": "auto" picks sha256 for a 64-digit hash, else md5 (as Keras)."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return "sha256"
    if algorithm in ("md5", "auto"):
        return "md5"
    raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5'. Received: {algorithm!r}")


def hash_file(path, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file's bytes."""
    digest = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def validate_file(path, file_hash, algorithm="auto"):
    """True when the file's hash equals `file_hash`."""
    return hash_file(path, resolve_hasher(algorithm, file_hash)) == str(file_hash)


def extract_archive(path, destination, archive_format="auto"):
    """Unpack a tar(.gz/.bz2/.xz) or zip archive into `destination`; False if it is neither."""
    import tarfile
    import zipfile

    formats = {"auto": ("tar", "zip"), None: ()}.get(archive_format, (archive_format,))
    if isinstance(archive_format, (list, tuple)):
        formats = tuple(archive_format)
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                archive.extractall(destination, filter="data")
            return True
        if kind == "zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                archive.extractall(destination)
            return True
    return False


def _targets(fname, origin, extract, datadir):
    """(download target, extraction folder or None), named as Keras 3 names them."""
    import urllib.parse

    provided = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(
            f"Can't parse the file name from the origin provided: '{origin}'. Please specify the `fname` argument."
        )
    if os.sep in fname:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent "
            f"directory, use the `cache_dir` argument. Received: fname={fname}"
        )
    if not extract:
        return os.path.join(datadir, fname), None
    if provided and "." in fname:
        return os.path.join(datadir, fname), os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def _download(origin, target, timeout):
    """Fetch `origin` into a temporary file next to `target`, renamed into place when complete."""
    import urllib.request

    folder = os.path.dirname(target)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(origin, timeout=timeout) as response:
            shutil.copyfileobj(response, out)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None,
             force_download=False, timeout=60):
    """The local path of the file at `origin`, downloading it only when it is not cached.

    Args:
        fname: the file's name in the cache (default: the URL's last part).
        origin: the URL.
        untar / extract: unpack a tar (untar) or tar/zip (extract) archive; the path of the
            extracted folder is returned.
        file_hash (md5_hash): the expected sha256 or md5 hex digest.
        cache_subdir, cache_dir: the file goes to cache_dir/cache_subdir (default ~/.keras/datasets).
        hash_algorithm: "auto", "sha256" or "md5".
        archive_format: "auto", "tar", "zip" or a list of them.
        force_download: download even when a cached copy exists.

    Returns:
        The path of the file (or of the extracted folder).

    Example:
        >>> path = get_file("mnist.npz", origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):  # as Keras: fall back to /tmp/.keras
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    target, extraction_dir = _targets(fname, origin, extract or untar, datadir)
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(
            f"A local file was found, but it seems to be incomplete or outdated because the "
            f"{resolve_hasher(hash_algorithm, file_hash)} file hash does not match the original value "
            f"of {file_hash} so we will re-download the data."
        )
        download = True
    if download and extraction_dir is not None and os.path.isdir(extraction_dir) and not force_download and not os.path.exists(target):
        return extraction_dir  # the unpacked folder is there already (e.g. put by hand offline)
    if download:
        print(f"Downloading data from {origin}")
        try:
            _download(origin, target, timeout)
        except (OSError, ValueError) as error:  # urllib's URLError is an OSError
            reason = getattr(error, "reason", error)
            place = f"{target}" + (f" (or its unpacked contents in {extraction_dir})" if extraction_dir else "")
            raise OSError(
                f"get_file: could not download {origin} ({reason}). If this machine is offline, "
                f"download the file elsewhere and put it at {place}; get_file uses it from there."
            ) from None
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            os.remove(target)
            raise ValueError(
                f"Incomplete or corrupted file detected. The {resolve_hasher(hash_algorithm, file_hash)} "
                f"file hash of the download of {origin} does not match the provided value of {file_hash}."
            )
    if extraction_dir is None:
        return target
    if download or not os.path.isdir(extraction_dir):
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            import warnings

            warnings.warn(f"get_file: could not extract the archive {target}.", stacklevel=2)
    return extraction_dir


__all__ = ["get_file", "validate_file", "hash_file", "extract_archive", "keras_home"]
