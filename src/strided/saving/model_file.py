"""The `.keras` model file: one zip holding JSON and NumPy arrays, never pickle.

    metadata.json        versions and date
    config.json          {"class_name", "config", "build_config", "compile_config"}: the
                         architecture (layer classes + their get_config, the functional
                         graph) and the compile arguments
    model.weights.npz    every weight under its Keras path ("layers/conv2d/vars/0") and the
                         optimizer state under "optimizer/..." so training resumes exactly

Loading only instantiates registered classes by name and never unpickles: a file from a
stranger cannot run code. It is read as untrusted input: zip members checked before they are
decompressed (`safe_zip`), JSON nesting bounded (`safe_json`), shapes and sizes in the config
bounded (`config_bounds`), and the model built under a weight budget (`layers.weight_budget`)
sized by the weights the file really stores. Any failure -- truncated, altered (the zip's CRC-32
checks), crafted -- raises `strided.errors.FileFormatError` naming the file. Saving writes a
temporary file and renames it, so an interrupted save leaves the previous file intact.
"""

import datetime
import io
import json
import os
import warnings
import zipfile

import numpy as np

from strided.errors import FileFormatError, file_format_error
from strided.layers.registry import deserialize, serialize
from strided.layers.weight_budget import weight_budget
from strided.saving import compile_config as compile_io
from strided.saving.atomic import atomic_write
from strided.saving.config_bounds import check_config_bounds
from strided.saving.object_registration import custom_object_scope  # scopes + registered objects
from strided.saving.safe_h5 import H5Group
from strided.saving.safe_json import loads_bounded
from strided.saving.safe_zip import SafeZip
from strided.saving.weights_io import assign_weight_arrays, read_npz, weight_arrays, write_npz

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.npz"
FORMAT_VERSION = 1


def save_model(model, filepath, overwrite=True, **kwargs):
    """Write `model` (architecture, weights, compile settings, optimizer state) to `filepath`.

    Args:
        filepath: path ending in ".keras" (or ".h5"/".hdf5": Keras' legacy HDF5 format, see
            `legacy_h5_writer`; include_optimizer=False leaves out the compile settings).
        overwrite: if False and the file exists, raise FileExistsError.
    """
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5"):  # Keras' legacy format
        from strided.saving.legacy_h5_writer import save_model_h5

        return save_model_h5(model, filepath, overwrite, kwargs.get("include_optimizer", True))
    if not filepath.endswith(".keras"):
        raise ValueError(
            "Invalid filepath for model.save(): expected a '.keras' extension (use "
            f"save_weights() for '.weights.npz' / '.weights.h5'). Received: filepath={filepath}"
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"'{filepath}' already exists and overwrite=False.")
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built: it has no weights yet.",
                      stacklevel=3)
    entry = serialize(model)
    entry["compile_config"] = compile_io.compile_config(model)
    config_json = json.dumps(entry)
    from strided._version import __version__

    metadata = json.dumps({"format": "strided.keras", "format_version": FORMAT_VERSION,
                           "strided_version": __version__, "keras_version": "3",
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    arrays = weight_arrays(model)
    arrays.update(compile_io.optimizer_arrays(model))
    weights_buffer = io.BytesIO()
    write_npz(weights_buffer, arrays)
    with atomic_write(filepath) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(CONFIG, config_json)
            archive.writestr(WEIGHTS, weights_buffer.getvalue())


KERAS_WEIGHTS = "model.weights.h5"  # what Keras 3 itself writes inside a .keras file


def read_model_file(filepath):
    """(config dict, weight arrays) from a `.keras` file, with clear errors for bad files.

    The arrays are None for a file written by Keras itself (weights in `model.weights.h5`);
    `read_model_parts` returns those too, as a checked HDF5 tree.
    """
    config, weights = read_model_parts(filepath)
    return config, None if isinstance(weights, H5Group) else weights


def read_model_parts(filepath):
    """(config dict, weights): weights are {path: array} (strided's npz) or an H5Group (Keras)."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file found at '{filepath}'.")
    with SafeZip(filepath) as archive:
        names = set(archive.namelist())
        if CONFIG not in names or not names & {WEIGHTS, KERAS_WEIGHTS}:
            raise file_format_error(
                filepath, None, f"not a strided/Keras model file: it has no config.json and {WEIGHTS} "
                "(was it saved with model.save('....keras')?)")
        config_bytes = archive.read(CONFIG)
        weight_bytes = archive.read(WEIGHTS if WEIGHTS in names else KERAS_WEIGHTS)
    config = loads_bounded(config_bytes, filepath, CONFIG)
    if not isinstance(config, dict) or "class_name" not in config:
        raise file_format_error(filepath, CONFIG, "expected a model description (a dict with 'class_name'), "
                                f"found {type(config).__name__}")
    if WEIGHTS in names:
        return config, read_npz(weight_bytes, f"{filepath}:{WEIGHTS}")
    from strided.saving.safe_h5 import read_tree

    return config, read_tree(weight_bytes, f"{filepath}:{KERAS_WEIGHTS}")


BUDGET_MARGIN = 1 << 22  # weight values a model may create beyond what its file stores


def _stored_values(weights):
    arrays = weights.datasets().values() if isinstance(weights, H5Group) else weights.values()
    return sum(int(np.asarray(a).size) for a in arrays)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild the model saved in `filepath`: same architecture, weights and optimizer state.

    Args:
        filepath: a ".keras" file written by `model.save` (strided's or Keras 3's), or a
            legacy ".h5"/".hdf5" model file of any Keras version (see `legacy_h5_model`).
        custom_objects: {"ClassName": cls} for custom layers/models/losses.
        compile: also restore the compile settings and the optimizer state.
        safe_mode: accepted for Keras compatibility; loading never runs code from the file.

    Raises:
        strided.errors.FileFormatError (a ValueError): the file is damaged, crafted or not a
            model file; the message names the file and the part of it.

    Example:
        >>> model.save("mnist.keras")
        >>> again = strided.models.load_model("mnist.keras")
        >>> np.array_equal(again.predict(x), model.predict(x))
        True
    """
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5"):  # Keras' legacy format
        from strided.saving.legacy_h5_model import load_model_h5

        return load_model_h5(filepath, custom_objects, compile, safe_mode)
    config, weights = read_model_parts(filepath)
    if isinstance(weights, H5Group):  # written by Keras 3: its newer options, at neutral values, dropped
        from strided.saving.legacy_h5_config import model_config as keras_model_config

        config = keras_model_config(config, filepath, CONFIG)
    check_config_bounds(config, filepath)
    try:
        with custom_object_scope(custom_objects), weight_budget(_stored_values(weights), filepath, BUDGET_MARGIN):
            model = deserialize(config, custom_objects)
    except FileFormatError as error:
        if error.file is None:  # raised by a layer, which does not know the file
            raise file_format_error(filepath, CONFIG, str(error)) from None
        raise
    except Exception as error:  # noqa: BLE001 - any failure to rebuild means a bad config
        raise file_format_error(filepath, CONFIG, f"cannot rebuild the model ({type(error).__name__}: "
                                f"{str(error)[:1000]})") from None
    if isinstance(weights, H5Group):  # written by Keras: HDF5 weights, no optimizer state we can use
        from strided.saving.keras_h5 import load_keras_tree

        load_keras_tree(model, weights)
        arrays = {}
    else:
        arrays = weights
        assign_weight_arrays(model, {k: v for k, v in arrays.items() if not k.startswith("optimizer/")},
                             filepath)
    if compile and config.get("compile_config"):
        with custom_object_scope(custom_objects):
            compile_io.restore_compile(model, config["compile_config"], arrays, filepath)
    return model


def model_from_json(json_string, custom_objects=None):
    """A new (untrained) model from `model.to_json()` output."""
    config = loads_bounded(json_string, "<model_from_json>", "JSON string")
    with custom_object_scope(custom_objects):
        return deserialize(config, custom_objects)


__all__ = ["save_model", "load_model", "model_from_json", "read_model_file", "read_model_parts"]
