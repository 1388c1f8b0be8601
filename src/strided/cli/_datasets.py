"""The datasets `strided train` and `strided evaluate` accept, loaded as model-ready arrays.

A dataset is a name (mnist, fashion-mnist, cifar10, fashion-mnist-sample) or a folder of images
arranged one sub-folder per class (optionally split into train/ and test/ sub-folders).
Images come out as float32 (N, H, W, C) in [0, 1] and labels as int64 (N,).
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from strided.cli._errors import CLIError, UsageError
from strided.cli._images import class_folders, describe, fit_image, load_image_folder

DATASET_NAMES = ("mnist", "fashion-mnist", "cifar10", "fashion-mnist-sample")
_ALIASES = {
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "cifar-10": "cifar10",
    "cifar_10": "cifar10",
    "sample": "fashion-mnist-sample",
    "fashion-mnist-sample": "fashion-mnist-sample",
    "fashion_mnist_sample": "fashion-mnist-sample",
}
VALID_DATASETS = ", ".join(DATASET_NAMES) + ", or a folder of images with one sub-folder per class"


@dataclass
class Dataset:
    """Model-ready arrays plus what the user should be told about them."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    source: str
    notes: list = field(default_factory=list)

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])


def canonical_name(name):
    """'Fashion_MNIST' -> 'fashion-mnist'; None for anything that is not a built-in dataset name."""
    key = str(name).strip().lower().replace(" ", "-")
    key = _ALIASES.get(key, key)
    return key if key in DATASET_NAMES else None


def _class_names(name, count):
    from strided.datasets import cifar10, fashion_mnist

    names = {
        "fashion-mnist": fashion_mnist.CLASS_NAMES,
        "fashion-mnist-sample": fashion_mnist.CLASS_NAMES,
        "cifar10": cifar10.CLASS_NAMES,
    }.get(name)
    return list(names) if names else [str(i) for i in range(count)]


def _load_builtin(name):
    """((x_train, y_train), (x_test, y_test)) and the source description of a built-in dataset."""
    from strided import datasets
    from strided.datasets import fashion_mnist

    if name == "fashion-mnist-sample":
        data = fashion_mnist.load_data(sample=True)
        return data, fashion_mnist.source
    modules = {"mnist": datasets.mnist, "fashion-mnist": fashion_mnist, "cifar10": datasets.cifar10}
    module = modules[name]
    try:
        data = module.load_data()
    except datasets.DatasetNotFoundError as error:
        sample = ", or use --dataset fashion-mnist-sample" if name == "fashion-mnist" else ""
        raise CLIError(
            f"the {name} data is not on this machine and could not be downloaded "
            f"({_download_failure(error)}); `strided data list` shows where it is looked for, "
            f"`strided data fetch {name}` downloads it{sample}"
        ) from None
    except (datasets.DatasetError, datasets.DownloadError) as error:
        raise CLIError(f"{name}: {error}") from None
    return data, module.source


def _download_failure(error):
    """Why the download step failed, in a few words, from a DatasetNotFoundError's report."""
    text = str(error)
    if "not attempted" in text:
        return "downloads are off: STRIDED_OFFLINE is set"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("http") and ": " in line:
            return line.split(": ", 1)[1]
    return "no mirror answered"


def _prepare(x, y):
    """uint8 images -> float32 NHWC in [0, 1]; labels -> int64 (N,)."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    x = x.astype(np.float32) / np.float32(255.0)
    return x, np.asarray(y).reshape(-1).astype(np.int64)


def _compatible(shape, target):
    return len(shape) == len(target) and all(t is None or t == s for s, t in zip(shape, target))


def fit_arrays(x, target_shape, what):
    """Convert float images (N, H, W, C) to `target_shape` (resize, colour); returns (x, notes)."""
    if target_shape is None or _compatible(x.shape[1:], target_shape):
        return x, []
    uint8 = np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)
    fitted = [fit_image(image, target_shape, resize=True, name=what)[0] for image in uint8]
    message = (f"{what} images are {describe(x.shape[1:])}; converted them to "
               f"{describe(target_shape)} to fit the model's input {tuple(target_shape)}")
    return np.stack(fitted), [message]


def _load_folder(root, target_shape, seed, test_fraction=0.2):
    root = Path(root)
    if target_shape is None:
        raise CLIError("internal: a folder dataset needs the model's input shape")
    names = [p.name for p in class_folders(root)]
    if "train" in names and "test" in names:
        x_train, y_train, classes, notes = load_image_folder(root / "train", target_shape)
        x_test, y_test, test_classes, test_notes = load_image_folder(
            root / "test", x_train.shape[1:]
        )
        if test_classes != classes:
            raise CLIError(
                f"'{root}/train' and '{root}/test' must hold the same class folders: "
                f"{classes} vs {test_classes}"
            )
        return x_train, y_train, x_test, y_test, classes, notes + test_notes
    x, y, classes, notes = load_image_folder(root, target_shape)
    if len(x) < 2:
        raise CLIError(
            f"'{root}' holds only {len(x)} image; at least 2 are needed (one to train, one to test)"
        )
    order = np.random.default_rng(seed).permutation(len(x))
    test_count = max(1, round(len(x) * test_fraction))
    test, train = order[:test_count], order[test_count:]
    notes.append(
        f"'{root}' has no train/ and test/ sub-folders: holding out {test_count} of {len(x)} "
        f"images ({test_fraction:.0%}, chosen with seed {seed}) as the test set"
    )
    return x[train], y[train], x[test], y[test], classes, notes


def check_dataset_argument(name):
    """The canonical built-in name, or None for an existing folder; raises for anything else.

    Cheap (nothing is loaded), so commands can reject a bad --dataset before any work.
    """
    key = canonical_name(name)
    if key is not None:
        return key
    path = Path(name).expanduser()
    if path.is_dir():
        return None
    if path.exists():
        raise UsageError(f"--dataset '{name}' is a file; expected {VALID_DATASETS}")
    if "/" in str(name) or "\\" in str(name) or str(name).startswith("."):
        raise CLIError(f"dataset folder not found: '{name}'")
    raise UsageError(f"unknown dataset '{name}'; expected {VALID_DATASETS}")


def load_dataset(name, target_shape=None, limit=None, seed=0):
    """Load a dataset by name or folder, ready for `fit`.

    Args:
        name: a built-in dataset name (see DATASET_NAMES) or a folder of class sub-folders.
        target_shape: the model's input (H, W, C): images of another shape are converted to it
            (with a note). Required for folders; None keeps a built-in dataset's own shape.
        limit: keep only the first `limit` training and the first `limit` test images.
        seed: the seed of the train/test split of a folder without train/ and test/.

    Raises:
        UsageError for an unknown name (listing the valid ones); CLIError for missing data.
    """
    key = check_dataset_argument(name)
    notes = []
    if key is not None:
        ((x_train, y_train), (x_test, y_test)), source = _load_builtin(key)
        x_train, y_train = _prepare(x_train, y_train)
        x_test, y_test = _prepare(x_test, y_test)
        classes = _class_names(key, int(max(y_train.max(), y_test.max())) + 1)
    else:
        path = Path(name).expanduser()
        x_train, y_train, x_test, y_test, classes, notes = _load_folder(path, target_shape, seed)
        key, source = str(path), f"image folder {path}"
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[:limit], y_test[:limit]
    x_train, fit_notes = fit_arrays(x_train, target_shape, key)
    x_test, _ = fit_arrays(x_test, target_shape, key)
    return Dataset(key, x_train, y_train, x_test, y_test, classes, source, notes + fit_notes)


def load_default_dataset(target_shape=None, limit=None, seed=0):
    """Fashion-MNIST when it can be found or downloaded, else the bundled sample (with a note)."""
    try:
        dataset = load_dataset("fashion-mnist", target_shape, limit, seed)
        dataset.notes.insert(0, f"no --dataset given: using Fashion-MNIST from {dataset.source}")
    except CLIError:
        dataset = load_dataset("fashion-mnist-sample", target_shape, limit, seed)
        dataset.notes.insert(
            0,
            "no --dataset given and Fashion-MNIST is not available here "
            "(`strided data fetch fashion-mnist` downloads it): using the bundled "
            f"sample of {len(dataset.x_train)} training and {len(dataset.x_test)} test images",
        )
    return dataset


__all__ = [
    "Dataset",
    "DATASET_NAMES",
    "VALID_DATASETS",
    "canonical_name",
    "check_dataset_argument",
    "load_dataset",
    "load_default_dataset",
    "fit_arrays",
]
