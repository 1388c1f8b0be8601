"""One entry point per file parser, the way a user reaches it, for the fuzz and memory tests.

`load(kind, path)` runs the parser on `path` and returns what it built; the tests accept a
result or `strided.errors.FileFormatError`, nothing else. Also used inside the memory probe's
child process (`python -c`), so it imports only strided, numpy and the builders.
"""

import pickle
from pathlib import Path

import numpy as np
from crafted import small_model

from strided.datasets._mnist_family import IdxFile
from strided.datasets.cifar import parse_python_batch
from strided.datasets.idx import read_idx
from strided.errors import FileFormatError
from strided.models import load_model
from strided.saving.keras_h5 import load_keras_weights
from strided.saving.torch_import import load_torch_weights

IDX_LABELS = IdxFile(name="t10k-labels-idx1-ubyte.gz", sha256=("0" * 64,), content_sha256=None, count=6)
TORCH_NAMES = {"0": "dense", "1": "dense_1"}.get  # nn.Sequential(Linear(3, 2), Linear(2, 2))


def idx_labels_seed():
    """A gzip IDX labels file holding six labels (what IDX_LABELS expects)."""
    import gzip

    return gzip.compress(bytes([0, 0, 8, 1]) + (6).to_bytes(4, "big") + bytes([1, 2, 3, 4, 5, 6]))


def cifar_seed(protocol=2):
    """A pickled CIFAR-10 python batch of two images."""
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    return pickle.dumps({b"data": data, b"labels": [3, 7], b"batch_label": b"fuzz"}, protocol=protocol)


def torch_seed(path):
    """torch.save of nn.Sequential(Linear(3, 2), Linear(2, 2)).state_dict() into `path`."""
    import torch

    torch.manual_seed(0)
    torch.save(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 2)).state_dict(), path)
    return path


def load(kind, path):
    """Run the parser `kind` on the file at `path`."""
    path = Path(path)
    if kind == "keras":
        return load_model(path)
    if kind == "weights":  # .weights.npz, .weights.h5 or .keras through Model.load_weights
        model = small_model()
        model.load_weights(path)
        return model
    if kind == "keras_h5":  # Keras 3 or legacy Keras 2 .h5 through load_keras_weights
        model = small_model()
        load_keras_weights(model, path)
        return model
    if kind == "torch":  # .safetensors or a torch.save zip, into the same two Dense layers
        model = small_model()
        load_torch_weights(model, str(path), key_map=TORCH_NAMES)
        return model
    if kind == "idx":  # both readers, each on its own: the dataset's file spec and the generic one
        results = []
        for reader in (lambda: IDX_LABELS.load(path, verify=False), lambda: read_idx(path)):
            try:
                results.append(reader())
            except FileFormatError as error:
                results.append(error)
        errors = [r for r in results if isinstance(r, FileFormatError)]
        if errors:
            raise errors[-1]
        return results
    if kind == "cifar_archive":
        from strided.datasets import cifar10
        from strided.datasets._cifar_family import read_archive

        return read_archive(path, cifar10.LAYOUTS[1], cifar10.LABELS)
    if kind == "cifar":
        return parse_python_batch(path.read_bytes(), str(path), ("labels",), (10,))
    raise ValueError(f"unknown parser {kind!r}")


__all__ = ["IDX_LABELS", "cifar_seed", "idx_labels_seed", "load", "torch_seed"]
