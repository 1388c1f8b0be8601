"""Whole models in Keras' legacy HDF5 format: `model.save("m.h5")`, `load_model("m.h5")`.

Tutorials and older programs save `.h5` files all the time; Keras 3 still writes and reads
them (`keras.src.legacy.saving.legacy_h5_format`). The layout, which strided reads from Keras
2, tf.keras and Keras 3 files and writes so that Keras 3 loads it:

    attributes     model_config      JSON {"class_name": "Sequential"|"Functional", "config"}
                   training_config   JSON compile arguments + "optimizer_config" (if compiled)
                   keras_version, backend
    model_weights/                   attributes layer_names, keras_version, backend
        <layer>/                     attribute weight_names ("sequential/conv2d/kernel", ...):
            <weight name>            trainable weights first, then the others (Keras 2's order)
        top_level_model_weights/     (empty for Sequential and functional models)
    optimizer_weights/               attribute weight_names; the optimizer's variables
                                     (only with include_optimizer=True and a trained optimizer)

Loading reads the file once into memory through `safe_h5.read_tree` (no links or external
storage followed, numeric arrays only, sizes bounded), reads the four root attributes with
their own checks, rewrites the configs of older Keras versions (`legacy_h5_config`), rebuilds
the model under the weight budget (a config cannot create more weights than the file stores),
and assigns the weights only after every one was checked. No code from the file runs (a
`Lambda` holding bytecode is refused). Every problem is a FileFormatError naming the file.
Saving is `legacy_h5_writer`.
"""

import io
import logging
import os
import warnings

import numpy as np

from strided.errors import FileFormatError, file_format_error
from strided.layers.registry import deserialize
from strided.layers.weight_budget import weight_budget
from strided.saving import compile_config as compile_io
from strided.saving import legacy_h5_config, legacy_h5_optimizer
from strided.saving.config_bounds import check_config_bounds
from strided.saving.keras_h5 import attribute_list, load_keras_tree
from strided.saving.object_registration import custom_object_scope
from strided.saving.safe_h5 import H5Group, read_tree
from strided.saving.safe_json import loads_bounded

logger = logging.getLogger("strided.saving")

BUDGET_MARGIN = 1 << 22  # weight values a model may create beyond what its file stores
_ROOT_ATTRIBUTES = ("model_config", "training_config", "keras_version", "backend")


# ------------------------------------------------------------------------------- loading
def load_model_h5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in the legacy `.h5` file `filepath` (by Keras 2, tf.keras, Keras 3 or
    strided), compiled as saved when `compile` is True and the file has a training config.

    Raises:
        FileNotFoundError: no such file.
        strided.errors.FileFormatError (a ValueError): damaged, crafted, weights-only, or a
            model strided cannot rebuild; the message names the file and the part of it.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file found at '{filepath}'.")
    with open(filepath, "rb") as handle:
        data = handle.read()
    tree = read_tree(data, filepath)
    attributes = _root_attributes(data, filepath)
    if "model_config" not in attributes:
        raise file_format_error(
            filepath, None, "an HDF5 file without a 'model_config' attribute: it holds weights only "
            "(saved with save_weights). Build the model in code, then call model.load_weights(path)")
    if not isinstance(tree.get("model_weights"), H5Group):
        raise file_format_error(filepath, "model_weights", "expected the group of the model's weights, "
                                "it is missing")
    config = loads_bounded(attributes["model_config"], filepath, "model_config")
    config = legacy_h5_config.model_config(config, filepath)
    check_config_bounds(config, filepath)
    model = _rebuild(config, tree, filepath, custom_objects)
    if not (callable(getattr(model, "compile", None)) and isinstance(getattr(model, "layers", None), list)):
        raise file_format_error(filepath, "model_config", f"expected a model, found the layer "
                                f"{type(model).__name__} '{model.name}'")
    load_keras_tree(model, tree)
    if compile and "training_config" in attributes:
        _restore_training(model, tree, attributes["training_config"], filepath, custom_objects)
    elif compile:
        logger.warning("'%s' has no training configuration, so the model was not compiled. Compile it "
                       "manually.", filepath)
    return model


def _rebuild(config, tree, filepath, custom_objects):
    stored = sum(int(array.size) for array in tree.datasets().values())
    try:
        with custom_object_scope(custom_objects), weight_budget(stored, filepath, BUDGET_MARGIN):
            return deserialize(config, custom_objects)
    except FileFormatError as error:
        if error.file is None:  # raised by a layer, which does not know the file
            raise file_format_error(filepath, "model_config", str(error)) from None
        raise
    except Exception as error:  # noqa: BLE001 - any failure to rebuild means a bad config
        raise file_format_error(filepath, "model_config", f"cannot rebuild the model ({type(error).__name__}: "
                                f"{str(error)[:1000]})") from None


def _restore_training(model, tree, training_json, filepath, custom_objects):
    try:
        config = legacy_h5_config.training_config(loads_bounded(training_json, filepath, "training_config"),
                                                  filepath)
    except FileFormatError as error:  # the model itself is fine: load it uncompiled, as restore_compile does
        warnings.warn(f"{error}; the model is loaded uncompiled. Call compile() before training.", stacklevel=3)
        return
    with custom_object_scope(custom_objects):
        compile_io.restore_compile(model, config, {}, filepath)
    group = tree.get("optimizer_weights")
    if not getattr(model, "compiled", False) or not isinstance(group, H5Group):
        return
    names = attribute_list(group, "weight_names")
    arrays = []
    for name in names:
        array = group.get(name)
        if not isinstance(array, np.ndarray):
            raise file_format_error(filepath, f"optimizer_weights/{name}", "listed in weight_names but it is "
                                    "not a dataset of the file")
        arrays.append(array)
    state = legacy_h5_optimizer.read_state(names, arrays, model, filepath)
    if state:
        model.optimizer.set_state(state)


def _root_attributes(data, filepath):
    """{name: str} of the root attributes Keras writes, each checked to be bounded text."""
    import h5py

    found = {}
    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            for key in _ROOT_ATTRIBUTES:
                if key not in h5.attrs:
                    continue
                attribute = h5.attrs.get_id(key)
                dtype = attribute.dtype
                if dtype.kind != "S" and h5py.check_string_dtype(dtype) is None:
                    raise file_format_error(filepath, f"attribute '{key}'", f"expected text (JSON), found an "
                                            f"HDF5 attribute of type {dtype}")
                if attribute.shape not in ((), (1,)) or attribute.get_storage_size() > len(data):
                    raise file_format_error(filepath, f"attribute '{key}'", f"expected one string, found shape "
                                            f"{attribute.shape}")
                value = h5.attrs[key]
                if isinstance(value, np.ndarray):
                    value = value.reshape(-1)[0]
                if isinstance(value, bytes):
                    value = value.decode("utf-8")
                found[key] = str(value)
    except FileFormatError:
        raise
    except Exception as error:  # noqa: BLE001 - h5py raises many types for damaged files
        raise file_format_error(filepath, "root attributes", f"cannot read them ({type(error).__name__}: "
                                f"{str(error)[:300]})") from None
    return found


__all__ = ["load_model_h5"]
