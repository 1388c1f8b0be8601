"""Weights to and from files, addressed by Keras 3's paths ("layers/conv2d/vars/0").

A model's weights are found by walking it as Keras 3's `saving_lib` does: the layers of a
Sequential/functional model under "layers", other sub-layers under their attribute name;
layers in a list are named by their snake_case class name (conv2d, conv2d_1, ...), NOT by
`layer.name`, so weights load into a fresh copy of the model whatever its auto names. Each
layer's own variables are "<path>/vars/0", "/vars/1", ... in Keras order (kernel, bias).

Formats: `.weights.npz` (NumPy, never pickle) and `.weights.h5` (HDF5 with Keras 3's group
layout, through the optional h5py), so weights move between Keras 3 and strided unchanged.
Both are read as untrusted input (`safe_npz`, `safe_h5`: declared sizes checked before any
allocation, nothing outside the file, numbers only) and every weight is checked before any is
assigned; every failure is a `strided.errors.FileFormatError` naming the file.
"""

import os

import numpy as np

from strided._naming import to_snake_case
from strided.errors import file_format_error
from strided.layers.base import Layer
from strided.saving.safe_h5 import read_tree
from strided.saving.safe_npz import read_npz_safely
from strided.saving.weight_checks import as_weight

_INTERNAL = frozenset({
    "_trainable_weights", "_non_trainable_weights", "_losses", "_inbound_nodes", "_outbound_nodes",
    "_layers", "_chain", "_graph", "_build_shapes", "_batch_input_shape",
})


def _join(*parts):
    return "/".join(p for p in parts if p)


def _children(layer):
    """(name, Layer or container of Layers) in Keras 3's visiting order."""
    if hasattr(layer, "_graph") and (layer._graph is not None or type(layer).__name__ == "Sequential"
                                     or hasattr(layer, "_chain")):
        yield "layers", layer.layers
    skip = _INTERNAL | layer._untracked_attributes
    for key in sorted(layer.__dict__, key=lambda k: "~" + k if k.startswith("_") else k):
        if key in skip:
            continue
        value = layer.__dict__[key]
        if isinstance(value, Layer):
            yield key, value
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            if any(isinstance(item, Layer) for item in items):
                yield key, items


def layer_entries(model):
    """[(path, layer, own variables)] for every layer reachable from `model`, each once."""
    entries, visited = [], set()

    def walk(layer, path):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        entries.append((path, layer, layer._own_variables()))
        for name, child in _children(layer):
            child_path = _join(path, name)
            if isinstance(child, Layer):
                walk(child, child_path)
                continue
            used = {}
            for item in child:
                if not isinstance(item, Layer):
                    continue
                item_name = to_snake_case(type(item).__name__)
                if item_name in used:
                    used[item_name] += 1
                    item_name = f"{item_name}_{used[item_name]}"
                else:
                    used[item_name] = 0
                walk(item, _join(child_path, item_name))

    walk(model, "")
    return entries


def weight_arrays(model):
    """{"layers/conv2d/vars/0": ndarray, ...} for every weight of `model`."""
    arrays = {}
    for path, _, variables in layer_entries(model):
        for index, variable in enumerate(variables):
            arrays[_join(path, "vars", str(index))] = np.array(variable.data, copy=True)
    return arrays


def assign_weight_arrays(model, arrays, source, skip_mismatch=False):
    """Set `model`'s weights from `arrays` (a path -> array mapping read from `source`).

    Raises FileFormatError (a ValueError) naming `source` when a weight is missing, has another
    shape or a non-numeric type, or the file holds weights this model does not have (unless
    `skip_mismatch`, which warns). Every weight is checked and converted before the first one
    is assigned, so a failed load leaves the model as it was.
    """
    import warnings

    problems, updates, used = [], [], set()
    for path, layer, variables in layer_entries(model):
        prefix = _join(path, "vars") + "/"
        stored = sorted((k for k in arrays if k.startswith(prefix) and "/" not in k[len(prefix):]),
                        key=lambda k: int(k[len(prefix):]) if k[len(prefix):].isdigit() else -1)
        if len(stored) != len(variables):
            problems.append(
                f"layer '{layer.name}' ({type(layer).__name__}, path '{path or '/'}') expects "
                f"{len(variables)} weights {[v.name for v in variables]}, the file has {len(stored)}"
            )
            used.update(stored)
            continue
        for key, variable in zip(stored, variables):
            used.add(key)
            value = np.asarray(arrays[key])
            if value.shape != variable.shape:
                problems.append(
                    f"layer '{layer.name}': weight '{variable.name}' has shape {variable.shape}, "
                    f"the file has {value.shape} at '{key}'"
                )
            else:
                updates.append((variable, value, key))
    extra = sorted(k for k in arrays if k not in used and not k.startswith("optimizer/"))
    if extra:
        problems.append(f"the file has weights this model does not have: {extra[:5]}"
                        + (" ..." if len(extra) > 5 else ""))
    if problems and not skip_mismatch:
        raise file_format_error(
            source, None, f"its weights do not fit model '{model.name}': "
            + "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
            + ". Was the file saved from the same architecture?"
        )
    ready = [(variable, as_weight(value, variable, source, f"weight '{key}'")) for variable, value, key in updates]
    if problems:
        warnings.warn(f"Skipped mismatched weights loading '{source}': " + "; ".join(problems), stacklevel=3)
    for variable, value in ready:
        variable.assign(value)


# -------------------------------------------------------------------------- npz
def write_npz(handle, arrays):
    """NumPy `savez` of a dict of arrays into an open binary file."""
    np.savez(handle, **arrays)


def read_npz(data, source):
    """Arrays from npz bytes or an npz path, every header checked first (see safe_npz); never
    unpickles. Text and booleans are read (weights are checked when assigned), objects never."""
    if hasattr(data, "read"):
        data = data.read()
    return read_npz_safely(data, source, numeric=False)


# --------------------------------------------------------------------------- h5
def write_h5(handle, model, arrays_by_path=None):
    """Keras 3's `.weights.h5` layout: one "vars" group per layer, datasets "0", "1", ..."""
    import h5py

    with h5py.File(handle, "w") as h5:
        for path, _, variables in layer_entries(model):
            group = h5.create_group(_join(path, "vars")) if path else h5.create_group("vars")
            for index, variable in enumerate(variables):
                group[str(index)] = np.asarray(variable.data)


def read_h5(filepath):
    """{path: array} for every dataset of an HDF5 weights file (Keras 3 or strided), read by
    `safe_h5.read_tree`: nothing outside the file, numbers only, sizes checked."""
    return read_tree(os.fspath(filepath)).datasets()


__all__ = ["layer_entries", "weight_arrays", "assign_weight_arrays", "write_npz", "read_npz",
           "write_h5", "read_h5"]
