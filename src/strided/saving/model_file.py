"""The `.keras` model file: one zip holding JSON and NumPy arrays, never pickle.

    metadata.json        versions and date
    config.json          {"class_name", "config", "build_config", "compile_config"}: the
                         architecture (layer classes + their get_config, the functional
                         graph) and the compile arguments
    model.weights.npz    every weight under its Keras path ("layers/conv2d/vars/0") and the
                         optimizer state under "optimizer/..." so training resumes exactly

Loading only instantiates registered classes by name and reads arrays with
`allow_pickle=False`: a file from a stranger cannot run code. A truncated or altered file
(the zip's CRC-32 checks) raises ValueError naming the file. Saving writes a temporary
file and renames it, so an interrupted save leaves the previous file intact.
"""

import datetime
import io
import json
import os
import warnings
import zipfile

from strided.layers.registry import custom_object_scope, deserialize, serialize
from strided.saving import compile_config as compile_io
from strided.saving.atomic import atomic_write
from strided.saving.weights_io import assign_weight_arrays, read_npz, weight_arrays, write_npz

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.npz"
FORMAT_VERSION = 1


def save_model(model, filepath, overwrite=True, **kwargs):
    """Write `model` (architecture, weights, compile settings, optimizer state) to `filepath`.

    Args:
        filepath: path ending in ".keras".
        overwrite: if False and the file exists, raise FileExistsError.
    """
    filepath = os.fspath(filepath)
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
    from strided import __version__

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
    `strided.saving.keras_h5` reads those.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file found at '{filepath}'.")
    try:
        with zipfile.ZipFile(filepath, "r") as archive:
            names = set(archive.namelist())
            if CONFIG not in names or not names & {WEIGHTS, KERAS_WEIGHTS}:
                raise ValueError(
                    f"'{filepath}' is not a strided/Keras model file: it has no config.json and "
                    f"{WEIGHTS} (was it saved with model.save('....keras')?)."
                )
            config_bytes = archive.read(CONFIG)
            weight_bytes = archive.read(WEIGHTS) if WEIGHTS in names else None
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"Cannot load '{filepath}': the file is damaged, truncated or not a .keras zip "
            f"archive ({error})."
        ) from None
    try:
        config = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"Cannot load '{filepath}': its config.json is not valid JSON ({error}).") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot load '{filepath}': config.json does not describe a model.")
    return config, None if weight_bytes is None else read_npz(weight_bytes, filepath)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild the model saved in `filepath`: same architecture, weights and optimizer state.

    Args:
        filepath: a ".keras" file written by `model.save`.
        custom_objects: {"ClassName": cls} for custom layers/models/losses.
        compile: also restore the compile settings and the optimizer state.
        safe_mode: accepted for Keras compatibility; loading never runs code from the file.

    Example:
        >>> model.save("mnist.keras")
        >>> again = strided.models.load_model("mnist.keras")
        >>> np.array_equal(again.predict(x), model.predict(x))
        True
    """
    filepath = os.fspath(filepath)
    if filepath.endswith(".h5") and not filepath.endswith(".weights.h5"):
        raise ValueError(
            f"'{filepath}': legacy Keras 2 .h5 model files are not supported; save with "
            "model.save('model.keras'), or load weights with model.load_weights()."
        )
    config, arrays = read_model_file(filepath)
    try:
        with custom_object_scope(custom_objects):
            model = deserialize(config, custom_objects)
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"Cannot rebuild the model saved in '{filepath}': {error}") from None
    if arrays is None:  # written by Keras: HDF5 weights, no optimizer state we can use
        from strided.saving.keras_h5 import load_keras_weights

        load_keras_weights(model, filepath)
        arrays = {}
    else:
        assign_weight_arrays(model, {k: v for k, v in arrays.items() if not k.startswith("optimizer/")},
                             filepath)
    if compile and config.get("compile_config"):
        with custom_object_scope(custom_objects):
            compile_io.restore_compile(model, config["compile_config"], arrays, filepath)
    return model


def model_from_json(json_string, custom_objects=None):
    """A new (untrained) model from `model.to_json()` output."""
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_from_json: invalid JSON ({error}).") from None
    return deserialize(config, custom_objects)


__all__ = ["save_model", "load_model", "model_from_json", "read_model_file"]
