"""Where the loaders look for data, in order, and the error that lists what was tried.

The search order (the first folder that holds a complete, valid copy wins):

1. `path=` given to `load_data` -- then ONLY that folder (or the dataset's sub-folder of it)
   is used, and a missing or broken file there is an error rather than a silent fallback;
2. the folder in the `STRIDED_DATA` environment variable;
3. copies the system already has: Debian/Ubuntu's `dataset-*` packages under
   `/usr/share/datasets/` (`apt-get install dataset-fashion-mnist` gives
   `/usr/share/datasets/fashion-mnist/`);
4. Keras' cache, `~/.keras/datasets`;
5. strided's own cache, `~/.cache/strided` (where downloads go);
6. a download from the dataset's mirrors (skipped when `download=False` or `STRIDED_OFFLINE=1`).

Each location is tried as `<location>/<dataset folder>` and as `<location>` itself. A copy that is
present but broken (wrong checksum, truncated) is skipped with its reason recorded, so the final
error explains exactly what happened at every place.
"""

import logging
import os
from pathlib import Path

from strided.datasets._download import cache_dir
from strided.datasets.errors import DatasetError, DatasetNotFoundError, DownloadError

logger = logging.getLogger("strided.datasets")

SYSTEM_DIRS = ("/usr/share/datasets",)  # Debian/Ubuntu dataset-* packages install here
KERAS_DIR = "~/.keras/datasets"


def offline():
    """True when the environment forbids downloads (STRIDED_OFFLINE set to 1/true/yes)."""
    return os.environ.get("STRIDED_OFFLINE", "").strip().lower() in ("1", "true", "yes")


def search_folders(dirnames, path=None):
    """The (label, folder) pairs to try, in order, for a dataset stored in folders named `dirnames`.

    Example:
        >>> search_folders(["fashion-mnist"])[0]  # doctest: +SKIP
        ('system copy', PosixPath('/usr/share/datasets/fashion-mnist'))
    """
    if path is not None:
        roots = [("path=", Path(path).expanduser())]
    else:
        roots = []
        if os.environ.get("STRIDED_DATA"):
            roots.append(("$STRIDED_DATA", Path(os.environ["STRIDED_DATA"]).expanduser()))
        roots += [("system copy", Path(d)) for d in SYSTEM_DIRS]
        roots.append(("Keras cache", Path(KERAS_DIR).expanduser()))
        roots.append(("strided cache", cache_dir()))
    folders, seen = [], set()
    for label, root in roots:
        for folder in [root / name for name in dirnames] + [root]:
            if folder not in seen:
                seen.add(folder)
                folders.append((label, folder))
    return folders


def find_and_load(dataset, dirnames, try_folder, fetch, path=None, download=True, advice=""):
    """Try every folder in the search order, then a download; return (data, source description).

    Args:
        dataset: the name used in messages ("fashion_mnist").
        dirnames: the dataset's usual folder names (["fashion-mnist", "fashion_mnist"]).
        try_folder: folder -> (data, description) if a copy is there, None if not;
            raises DatasetError when files are there but broken.
        fetch: () -> folder; downloads the files into the cache (raises DownloadError).
        path: the user's explicit folder (only it is tried).
        download: allow step 6.
        advice: the end of the error message: how to get the data.
    """
    tried = []
    explicit = path is not None
    if explicit and not Path(path).expanduser().is_dir():
        raise DatasetNotFoundError(f"{dataset}: path={str(path)!r} is not a folder." + advice)
    for label, folder in search_folders(dirnames, path):
        if not folder.is_dir():
            if folder.name == dirnames[0]:
                tried.append(f"{label} {folder}: no such folder")
            continue
        try:
            found = try_folder(folder)
        except DatasetError as error:
            if explicit:
                raise
            tried.append(f"{label} {folder}: present but unusable: {error}")
            continue
        if found is not None:
            data, description = found
            return data, f"{label} {description}"
        tried.append(f"{label} {folder}: no {dataset} files there")
    if explicit:
        raise DatasetNotFoundError(
            f"{dataset}: no {dataset} files in path={str(path)!r}.\n"
            + "\n".join(f"  {t}" for t in tried)
            + advice
        )
    if not download or offline():
        tried.append("download: not attempted (download=False or STRIDED_OFFLINE=1)")
    else:
        try:
            folder = fetch()
            found = try_folder(folder)
            if found is not None:
                data, description = found
                return data, f"download {description}"
            tried.append(f"download: the files were fetched to {folder} but could not be read")
        except (DownloadError, DatasetError) as error:
            tried.append(f"download: {error}")
    raise DatasetNotFoundError(
        f"{dataset}: could not find or download the data. Tried, in order:\n"
        + "\n".join(f"  - {t}" for t in tried)
        + advice
    )


def advice_text(dataset, cli_name, apt_package=None, sample=False):
    """The 'how to get the data' paragraph of the not-found error."""
    lines = ["", "", "To get the data, any of:"]
    if apt_package:
        lines.append(
            f"  * sudo apt-get install {apt_package}   (Debian/Ubuntu; installs /usr/share/datasets/)"
        )
    lines.append(
        f"  * on a machine with a network, run `strided data fetch {cli_name}` "
        f"(or: python -c \"import strided.datasets as d; d.fetch('{cli_name}')\"),"
    )
    lines.append(
        "    copy the folder it prints to this machine and set STRIDED_DATA to its parent folder;"
    )
    lines.append("  * put the original files in a folder and pass load_data(path=that_folder).")
    if sample:
        lines.append(f"  * or use the small bundled sample: {dataset}.load_data(sample=True).")
    return "\n".join(lines)


def report(module_globals, dataset, source):
    """Record which source was used: the module's `source` attribute and an INFO log line."""
    module_globals["source"] = source
    logger.info("%s: loaded from %s", dataset, source)


__all__ = [
    "KERAS_DIR",
    "SYSTEM_DIRS",
    "advice_text",
    "find_and_load",
    "offline",
    "report",
    "search_folders",
]
