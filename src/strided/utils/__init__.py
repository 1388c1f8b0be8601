"""Utilities with Keras' `keras.utils` names: data from image folders and files, labels,
seeding, downloads, progress bars, model plots and session reset."""

from strided._naming import clear_session
from strided.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from strided.utils.config_object import Config
from strided.utils.data_structures import (
    get_source_inputs,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from strided.utils.data_utils import normalize, split_dataset, to_categorical, train_val_split
from strided.utils.dataset import Dataset
from strided.utils.file_utils import get_file, validate_file
from strided.utils.image_dataset import image_dataset_from_directory
from strided.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from strided.utils.model_visualization import model_to_dot, plot_model
from strided.utils.object_registration import (
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from strided.utils.progbar import Progbar
from strided.utils.py_dataset import PyDataset, Sequence
from strided.utils.random import get_rng, make_rng, set_random_seed
from strided.utils.sequence_utils import pad_sequences
from strided.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = [
    "to_categorical", "normalize", "split_dataset", "train_val_split", "set_random_seed", "get_rng", "make_rng",
    "clear_session", "Dataset", "image_dataset_from_directory", "load_img", "img_to_array", "array_to_img",
    "save_img", "smart_resize", "PyDataset", "Sequence", "get_file", "validate_file", "Progbar", "plot_model",
    "model_to_dot", "CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
    "get_registered_object", "register_keras_serializable", "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
    "get_source_inputs", "pad_sequences", "timeseries_dataset_from_array", "disable_interactive_logging",
    "enable_interactive_logging", "is_interactive_logging_enabled", "Config"]

# Keras' `keras.utils` also exposes these; they need the packages above this one, so they are
# those packages' own objects, found on first use (a namespace alias, as `strided.keras` is:
# nothing in strided.utils depends on them).
_ALIASES = {
    "CustomObjectScope": "strided.saving.object_registration",
    "custom_object_scope": "strided.saving.object_registration",
    "serialize_keras_object": "strided.saving.object_registration",
    "deserialize_keras_object": "strided.saving.object_registration",
    "is_keras_tensor": "strided.backend",
    "standardize_dtype": "strided.backend",
}


def __getattr__(name):
    if name in _ALIASES:
        import importlib

        return getattr(importlib.import_module(_ALIASES[name]), name)
    raise AttributeError(f"module 'strided.utils' has no attribute {name!r}")
