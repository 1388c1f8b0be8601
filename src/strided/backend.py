"""`keras.backend`: the session reset and the global settings under their backend names.

    import strided as keras
    keras.backend.clear_session()       # the next Conv2D is called "conv2d" again
    keras.backend.image_data_format()   # "channels_last"

`clear_session` resets the automatic layer names as Keras does (a Dense made after it is
"dense" again); strided keeps no other graph state to free.
"""

import gc

import numpy as np

from strided import _naming
from strided._config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)


def clear_session(free_memory=True):
    """Forget the automatic layer names (and collect garbage when `free_memory`)."""
    _naming.clear_session()
    if free_memory:
        gc.collect()


def backend():
    """"numpy": the library strided computes with."""
    return "numpy"


def get_uid(prefix=""):
    """1 the first time a prefix is asked for, then 2, 3, ... (shares the layer-name counters)."""
    _naming._counters[prefix] += 1
    return _naming._counters[prefix]


def is_keras_tensor(x):
    """True for the symbolic tensors of the functional API (`keras.Input(...)` and layers on them)."""
    from strided.layers.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    """A dtype name ("float32", "int64", "bool", ...); None means floatx."""
    if dtype is None:
        return floatx()
    if not isinstance(dtype, (str, type, np.dtype)):
        dtype = getattr(dtype, "dtype", dtype)  # an array or Tensor
    return np.dtype(dtype).name


def is_float_dtype(dtype):
    return np.dtype(standardize_dtype(dtype)).kind == "f"


def is_int_dtype(dtype):
    return np.dtype(standardize_dtype(dtype)).kind in "iu"


def result_type(*dtypes):
    """The dtype of an operation on these dtypes, floats kept at their width (float32 + int -> float32)."""
    names = [standardize_dtype(d) for d in dtypes]
    if not names:
        return floatx()
    floats = [n for n in names if np.dtype(n).kind == "f"]
    if floats:
        return np.result_type(*floats).name
    return np.result_type(*names).name


def int_shape(x):
    """The shape as a tuple (None for unknown symbolic dimensions)."""
    return tuple(x.shape)


def count_params(x):
    return int(np.prod(x.shape))


def get_value(x):
    return np.array(x.numpy() if hasattr(x, "numpy") else x)


def set_value(x, value):
    x.assign(value)


__all__ = [
    "clear_session", "backend", "get_uid", "is_keras_tensor", "standardize_dtype", "is_float_dtype",
    "is_int_dtype", "result_type", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
    "set_image_data_format", "int_shape", "count_params", "get_value", "set_value",
]
