"""Saving and loading: whole models (`.keras`) and weights (`.weights.npz` / `.weights.h5`).

    model.save("model.keras");   model = strided.models.load_model("model.keras")
    model.save_weights("model.weights.npz");   model.load_weights("model.weights.npz")

Files contain JSON and arrays only (never pickle), writes are atomic (temporary file, then
rename). Loading treats every file as untrusted (see docs/security.md): no code runs, nothing
outside the file is read, declared sizes are checked before allocating, a failed load changes
nothing, and every damaged or crafted file raises `FileFormatError` (a ValueError) naming it.
"""

import os

from strided.errors import FileFormatError
from strided.layers.registry import get_registered_class
from strided.saving.atomic import atomic_write
from strided.saving.model_file import (
    load_model,
    model_from_json,
    read_model_file,
    read_model_parts,
    save_model,
)
from strided.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from strided.saving.safe_h5 import H5Group
from strided.saving.weights_io import (
    assign_weight_arrays,
    read_h5,
    read_npz,
    weight_arrays,
    write_h5,
    write_npz,
)

_WEIGHT_SUFFIXES = (".weights.npz", ".weights.h5")


def save_weights(model, filepath, overwrite=True):
    """Write `model`'s weights to `filepath` ending in ".weights.npz" or ".weights.h5"."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(_WEIGHT_SUFFIXES):
        raise ValueError(
            "The filename must end in '.weights.npz' or '.weights.h5' (Keras 3 layout). "
            f"Received: filepath={filepath}"
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"'{filepath}' already exists and overwrite=False.")
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built yet, so it has no weights to save. Call it on "
            "data (or build(input_shape)) first."
        )
    with atomic_write(filepath) as handle:
        if filepath.endswith(".weights.h5"):
            write_h5(handle, model)
        else:
            write_npz(handle, weight_arrays(model))


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights from ".weights.npz", ".weights.h5", a ".keras" model file (strided's or
    Keras'), or a legacy Keras 2 ".h5" file into `model`."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file found at '{filepath}'.")
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built yet: build it (call it on data, or give the first "
            "layer an input_shape) before load_weights()."
        )
    if filepath.endswith(".keras"):
        _, arrays = read_model_parts(filepath)
        if isinstance(arrays, H5Group):  # a .keras file written by Keras itself, already checked
            from strided.saving.keras_h5 import load_keras_tree

            return load_keras_tree(model, arrays, skip_mismatch)
        arrays = {k: v for k, v in arrays.items() if not k.startswith("optimizer/")}
    elif filepath.endswith(".weights.h5"):
        arrays = read_h5(filepath)
        arrays = {k: v for k, v in arrays.items() if not k.startswith("optimizer/")}
    elif filepath.endswith(".h5"):  # legacy Keras 2 weights or model file, matched by layer
        return _load_keras_file_weights(model, filepath, skip_mismatch)
    elif filepath.endswith(".npz"):
        with open(filepath, "rb") as handle:
            arrays = read_npz(handle.read(), filepath)
    else:
        raise ValueError(
            "load_weights() expects a '.weights.npz', '.weights.h5' or '.keras' file. "
            f"Received: filepath={filepath}"
        )
    assign_weight_arrays(model, arrays, filepath, skip_mismatch=skip_mismatch)


def _load_keras_file_weights(model, filepath, skip_mismatch):
    from strided.saving.keras_h5 import load_keras_weights

    load_keras_weights(model, filepath, skip_mismatch=skip_mismatch)


__all__ = ["FileFormatError", "save_model", "load_model", "read_model_file", "model_from_json", "save_weights", "load_weights",
           "register_keras_serializable", "custom_object_scope", "get_registered_class",
           "atomic_write", "CustomObjectScope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "serialize_keras_object", "deserialize_keras_object"]
