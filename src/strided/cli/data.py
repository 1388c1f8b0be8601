"""`strided data list|fetch|verify|export`: where each dataset comes from, downloading it,
checking it, and writing some of its images as PNG files to try `strided predict` on."""

import os
import time
from urllib.parse import urlparse

from strided.cli._args import HelpFormatter, positive_int
from strided.cli._errors import CLIError, UsageError
from strided.cli._output import format_table

DESCRIPTION = """\
Manage the datasets strided trains on.

  list          each dataset: the copy found on this machine (or "not found") and where it would
                be downloaded from; then the folders searched, in order
  fetch NAME    download NAME into strided's cache (~/.cache/strided, or $STRIDED_DATA),
                checking every file against its pinned SHA-256
  verify [NAME] check the copies found (all datasets, or NAME) against their pinned SHA-256
  export NAME   write test images as PNG files (--out, --count), named after their class,
                e.g. to try `strided predict model.keras images/`

The search order: $STRIDED_DATA, /usr/share/datasets (Debian/Ubuntu's dataset-* packages),
~/.keras/datasets, ~/.cache/strided, then a download (not with STRIDED_OFFLINE=1).
"""

NAMES = ("mnist", "fashion-mnist", "cifar10", "cifar100", "fashion-mnist-sample")
# One Fashion-MNIST test image per class, shipped inside the package (see sample/README.md).
SAMPLE_IMAGES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "datasets", "sample", "images")


def add_parser(subparsers):
    from strided.cli._args import ArgumentParser

    parser = subparsers.add_parser(
        "data",
        help="list, fetch or verify the datasets",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(
        title="action", metavar="ACTION", dest="action", parser_class=ArgumentParser
    )
    actions.required = True
    listing = actions.add_parser("list", help="where each dataset is found or would come from")
    listing.set_defaults(run=run_list)
    fetch = actions.add_parser("fetch", help="download a dataset into the cache")
    fetch.add_argument("name", metavar="NAME", help=", ".join(NAMES[:-1]))
    fetch.set_defaults(run=run_fetch)
    verify = actions.add_parser(
        "verify", help="check the local copies against their pinned SHA-256"
    )
    verify.add_argument(
        "name", metavar="NAME", nargs="?", default=None, help="one dataset (default: all)"
    )
    verify.set_defaults(run=run_verify)
    export = actions.add_parser("export", help="write test images as PNG files")
    export.add_argument("name", metavar="NAME", help=", ".join(NAMES))
    export.add_argument("--out", default="images", metavar="DIR",
                        help="folder for the PNG files (default: ./images)")
    export.add_argument("--count", type=positive_int, default=10,
                        help="how many images (default: 10)")
    export.add_argument("--split", choices=("test", "train"), default="test",
                        help="which part of the dataset (default: test)")
    export.set_defaults(run=run_export)
    return parser


def _canonical(name):
    key = str(name).strip().lower().replace("_", "-")
    key = {
        "cifar-10": "cifar10",
        "cifar-100": "cifar100",
        "fashionmnist": "fashion-mnist",
        "sample": "fashion-mnist-sample",
    }.get(key, key)
    if key not in NAMES:
        raise UsageError(f"unknown dataset '{name}'; expected one of {', '.join(NAMES)}")
    return key


def _module(key):
    from strided import datasets

    return {
        "mnist": datasets.mnist,
        "fashion-mnist": datasets.fashion_mnist,
        "cifar10": datasets.cifar10,
        "cifar100": datasets.cifar100,
        "fashion-mnist-sample": datasets.fashion_mnist,
    }[key]


def _origins(key):
    """Where a download would come from (first mirror), or 'bundled with strided'."""
    module = _module(key)
    if key == "fashion-mnist-sample":
        return "bundled with strided"
    mirrors = getattr(module, "MIRRORS", None) or [
        layout.url for layout in getattr(module, "LAYOUTS", ())
    ]
    return (urlparse(mirrors[0]).netloc or mirrors[0]) if mirrors else "-"


def probe(key, verify):
    """(status, detail): "found" / "not found" / "FAILED" and the source or reason; no download."""
    from strided import datasets

    module = _module(key)
    try:
        if key == "fashion-mnist-sample":
            module.load_data(sample=True)
        else:
            module.load_data(download=False, verify=verify)
    except datasets.DatasetNotFoundError as error:
        broken = [
            line.strip(" -") for line in str(error).splitlines() if "present but unusable" in line
        ]
        if broken:
            return "FAILED", broken[0]
        return "not found", f"`strided data fetch {key}` downloads it"
    except (datasets.DatasetError, OSError) as error:
        return "FAILED", str(error).splitlines()[0]
    return "found", module.source


def run_list(args):
    from strided.datasets import sources

    rows = []
    for key in NAMES:
        status, detail = probe(key, verify=False)
        where = detail if status != "not found" else f"download from {_origins(key)}"
        rows.append([key, status, where.replace(os.path.expanduser("~"), "~", 1)])
    print(format_table(rows, ["dataset", "status", "local copy (or where it would come from)"],
                       align="lll"))
    print("\nSearched, in order (each as <folder>/<dataset> and <folder> itself):")
    searched = [] if os.environ.get("STRIDED_DATA") else [["$STRIDED_DATA", "(not set)", ""]]
    for label, folder in sources.search_folders(["fashion-mnist"]):
        if folder.name == "fashion-mnist":
            state = "exists" if folder.parent.is_dir() else "absent"
            searched.append([label, str(folder.parent), state])
    print(format_table(searched, align="lll"))
    downloads = "off (STRIDED_OFFLINE is set)" if sources.offline() else "on, into strided's cache"
    print(f"Downloads: {downloads}")
    print(f"Sample images to try `strided predict MODEL FOLDER` on: {SAMPLE_IMAGES}")
    return 0


def run_fetch(args):
    from strided import datasets

    key = _canonical(args.name)
    if key == "fashion-mnist-sample":
        print("fashion-mnist-sample is bundled with strided: nothing to fetch.")
        return 0
    status, detail = probe(key, verify=True)
    if status == "found":
        print(f"{key}: already on this machine, SHA-256 verified: {detail} (nothing to fetch)")
        return 0
    start = time.perf_counter()
    try:
        folder = datasets.fetch(key, progress=True)
    except (datasets.DownloadError, datasets.DatasetError) as error:
        reason = "; ".join(line.strip(" -") for line in str(error).splitlines() if line.strip())
        raise CLIError(f"could not fetch {key}: {reason}") from None
    print(f"{key}: downloaded and verified into {folder} ({time.perf_counter() - start:.1f} s)")
    return 0


def run_verify(args):
    keys = [_canonical(args.name)] if args.name else list(NAMES)
    rows, failed, missing = [], False, False
    for key in keys:
        status, detail = probe(key, verify=True)
        label = {
            "found": "OK (SHA-256 verified)" if key != "fashion-mnist-sample" else "OK (bundled)"
        }.get(status, status)
        rows.append([key, label, detail])
        failed |= status == "FAILED"
        missing |= status == "not found"
    print(format_table(rows, ["dataset", "result", "copy"], align="lll"))
    if failed:
        raise CLIError(
            "a dataset copy failed verification: delete it and run `strided data fetch NAME`"
        )
    if args.name and missing:
        raise CLIError(
            f"{keys[0]} is not on this machine; `strided data fetch {keys[0]}` downloads it"
        )
    return 0


def run_export(args):
    from pathlib import Path

    from strided.datasets import cifar10, cifar100, fashion_mnist

    key = _canonical(args.name)
    module = _module(key)
    try:
        if key == "fashion-mnist-sample":
            (x_train, y_train), (x_test, y_test) = module.load_data(sample=True)
        else:
            (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as error:  # the loaders' own errors name the dataset and the reason
        reason = "; ".join(line.strip(" -") for line in str(error).splitlines() if line.strip())
        raise CLIError(f"could not load {key}: {reason}") from None
    images, labels = (x_test, y_test) if args.split == "test" else (x_train, y_train)
    names = {"cifar10": cifar10.CLASS_NAMES, "cifar100": getattr(cifar100, "CLASS_NAMES", None),
             "mnist": None}.get(key, fashion_mnist.CLASS_NAMES)
    from PIL import Image

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(min(args.count, len(images))):
        label = int(labels[index].ravel()[0]) if labels.ndim > 1 else int(labels[index])
        name = names[label] if names is not None else str(label)
        slug = "".join(c if c.isalnum() else "-" for c in str(name).lower()).strip("-")
        path = out / f"{args.split}_{index:05d}_{slug}.png"
        array = images[index]
        Image.fromarray(array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array).save(path)
        written.append(path)
    print(f"Wrote {len(written)} {key} {args.split} images to {out}/ "
          f"(e.g. {written[0].name}); try: strided predict MODEL {out}/")
    return 0


__all__ = ["add_parser", "run_list", "run_fetch", "run_verify", "run_export", "probe", "NAMES"]
