"""Writing whole models in Keras' legacy HDF5 format (`model.save("m.h5")`), as Keras 3's
`legacy_h5_format.save_model_to_hdf5` lays them out (see `legacy_h5_model` for the layout), so
that `keras.saving.load_model` (Keras 3) and strided load them.

The config is written as Keras' legacy writer writes it (layer entries without `module` /
`registered_name`), the weights per layer in Keras 2's order (trainable first) under their
paths ("sequential/conv2d/kernel"), the optimizer's variables in Keras 3's order
(`legacy_h5_optimizer`). The file is built in memory and renamed into place in one step
(`atomic_write`), so an interrupted save leaves the previous file as it was.
"""

import io
import json
import logging
import os

import numpy as np

from strided._version import __version__
from strided.saving import compile_config as compile_io
from strided.saving import legacy_h5_optimizer
from strided.saving.atomic import atomic_write

logger = logging.getLogger("strided.saving")

KERAS_VERSION = "3.15.1"  # the Keras whose legacy writer this one follows
BACKEND = "numpy"
HDF5_OBJECT_HEADER_LIMIT = 64512  # bytes of one attribute (Keras splits longer name lists)


def save_model_h5(model, filepath, overwrite=True, include_optimizer=True):
    """Write `model` (a Sequential or functional model) to `filepath` in Keras' legacy HDF5
    format, readable by `keras.saving.load_model` (Keras 3) and by strided.

    Args:
        include_optimizer: also write the compile arguments and the optimizer's state.
    """
    filepath = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to save. Call it on "
                         "data (or build(input_shape)) first.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"'{filepath}' already exists and overwrite=False.")
    logger.warning(
        "You are saving your model as an HDF5 file via `model.save()` or `keras.saving.save_model(model)`. "
        "This file format is considered legacy. We recommend using instead the native Keras format, e.g. "
        "`model.save('my_model.keras')` or `keras.saving.save_model(model, 'my_model.keras')`.")
    try:
        config = model.get_config()
    except NotImplementedError:
        config = {}
    if not isinstance(config.get("layers"), list):  # what Sequential and functional models describe
        raise ValueError(
            f"Model '{model.name}' is a subclassed model ({type(model).__name__}); the legacy .h5 format "
            "holds only Sequential and functional models. Save it with model.save('model.keras')."
        )
    buffer = io.BytesIO()
    _write(buffer, model, config, include_optimizer)
    with atomic_write(filepath) as handle:
        handle.write(buffer.getvalue())


def _write(buffer, model, config, include_optimizer):
    import h5py

    model_config = {"class_name": type(model).__name__, "config": _legacy_entries(config)}
    training = compile_io.compile_config(model) if include_optimizer else None
    with h5py.File(buffer, "w") as h5:
        h5.attrs["keras_version"] = KERAS_VERSION
        h5.attrs["backend"] = BACKEND
        h5.attrs["strided_version"] = __version__  # who wrote it (Keras reads only its own attributes)
        h5.attrs["model_config"] = _json(model_config)
        if training is not None:
            optimizer = training.pop("optimizer")
            training["loss"] = _full_loss_names(training["loss"])
            training.update({"run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
                             "optimizer_config": {"class_name": optimizer["class_name"],
                                                  "config": optimizer["config"]}})
            h5.attrs["training_config"] = _json(training)
        group = h5.create_group("model_weights")
        _names(group, "layer_names", [layer.name for layer in model.layers])
        group.attrs["backend"] = BACKEND
        group.attrs["keras_version"] = KERAS_VERSION
        for layer in sorted(model.layers, key=lambda layer: layer.name):
            weights = list(layer.trainable_weights) + list(layer.non_trainable_weights)
            _subset(group.create_group(layer.name),
                    [(f"{model.name}/{getattr(w, 'path', w.name)}", w.numpy()) for w in weights])
        _subset(group.create_group("top_level_model_weights"), [])
        entries = legacy_h5_optimizer.write_state(model) if training is not None else []
        if entries:
            _subset(h5.create_group("optimizer_weights"), entries)


_KERAS_MODULES = ("keras.layers", "keras.models", "keras")
# Keras 3.15 writes compile(loss="mse") as "mse" but cannot read it back from an .h5 file
# ("Could not deserialize 'keras.metrics.mse'"); the full names load everywhere.
_LOSS_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
               "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}


def _full_loss_names(loss):
    if isinstance(loss, str):
        return _LOSS_NAMES.get(loss, loss)
    if isinstance(loss, dict) and "class_name" not in loss:
        return {key: _full_loss_names(value) for key, value in loss.items()}
    if isinstance(loss, list):
        return [_full_loss_names(value) for value in loss]
    return loss


def _legacy_entries(node):
    """The config with layer entries as Keras' legacy writer has them: no `module` /
    `registered_name` for Keras' own classes (Keras 3 then rebuilds them the legacy way, which
    is the only way it accepts a nested Sequential from an .h5 file)."""
    if isinstance(node, dict):
        node = {key: _legacy_entries(value) for key, value in node.items()}
        if "class_name" in node and "config" in node and node.get("module") in _KERAS_MODULES:
            node.pop("module")
            node.pop("registered_name", None)
        return node
    if isinstance(node, (list, tuple)):
        return [_legacy_entries(value) for value in node]
    return node


def _subset(group, entries):
    """Datasets named by `entries` [(name, array)] and their names as `weight_names`."""
    names, seen = [], set()
    for name, value in entries:
        while name in seen:  # two weights of one layer with one path: keep both
            name += "_1"
        seen.add(name)
        names.append(name)
        group.create_dataset(name, data=np.asarray(value))
    _names(group, "weight_names", names)


def _names(group, name, values):
    """A list of names as one attribute, or name0, name1, ... chunks when it is too large for
    an HDF5 object header (as Keras' save_attributes_to_hdf5_group)."""
    data = np.asarray([v.encode("utf8") for v in values]) if values else np.asarray([])
    chunks = 1
    while any(part.nbytes > HDF5_OBJECT_HEADER_LIMIT for part in np.array_split(data, chunks)):
        chunks += 1
    if chunks == 1:
        group.attrs[name] = data
        return
    for index, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{index}"] = part


def _json(value):
    def convert(item):
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        if isinstance(item, tuple):
            return list(item)
        raise TypeError(f"cannot store {type(item).__name__} in the model's JSON config")

    return json.dumps(value, default=convert).encode("utf8")


__all__ = ["save_model_h5"]
