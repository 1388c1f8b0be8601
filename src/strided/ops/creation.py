"""Making and converting tensors with `keras.ops` names: arange, ones, zeros, eye, full, one_hot,
convert_to_tensor / convert_to_numpy, stop_gradient, ...

These results carry no gradient (they are constants, as in Keras); dtypes follow Keras:
float constructors default to floatx ("float32"), integer ranges to "int32".
"""

import types

import numpy as np

from strided._config import floatx
from strided.autograd import Tensor


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _dtype(dtype, default=None):
    return np.dtype(dtype) if dtype is not None else np.dtype(default or floatx())


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a Tensor (unchanged if it already is one of that dtype); Python floats become floatx."""
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == np.dtype(dtype) else Tensor(x.data.astype(dtype))
    array = np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else x)
    if dtype is not None:
        array = array.astype(dtype)
    elif array.dtype == np.float64 and not isinstance(x, np.ndarray):
        array = array.astype(floatx())  # Python floats and lists: floatx, as Keras
    elif array.dtype == np.int64 and not isinstance(x, np.ndarray):
        array = array.astype(np.int32)
    return Tensor(array)


def convert_to_numpy(x):
    """`x` as a NumPy array (a Tensor's data)."""
    if isinstance(x, Tensor):
        return np.array(x.data)
    return np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else x)


def is_tensor(x):
    """True for a strided Tensor."""
    return isinstance(x, Tensor)


def stop_gradient(variable):
    """The same values, cut from the tape: no gradient flows back through the result."""
    return Tensor(np.array(_data(variable)))


def arange(start, stop=None, step=1, dtype=None):
    """start, start + step, ... below stop; int32 for int arguments, else floatx (Keras' rule)."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = "int32" if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)) else floatx()
    return Tensor(np.arange(start, stop, step, dtype=dtype))


def ones(shape, dtype=None):
    return Tensor(np.ones(shape, dtype=_dtype(dtype)))


def zeros(shape, dtype=None):
    return Tensor(np.zeros(shape, dtype=_dtype(dtype)))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    return Tensor(np.full(shape, _data(fill_value), dtype=_dtype(dtype)))


def ones_like(x, dtype=None):
    return Tensor(np.ones_like(_data(x), dtype=dtype))


def zeros_like(x, dtype=None):
    return Tensor(np.zeros_like(_data(x), dtype=dtype))


def empty_like(x, dtype=None):
    return zeros_like(x, dtype)


def full_like(x, fill_value, dtype=None):
    return Tensor(np.full_like(_data(x), _data(fill_value), dtype=dtype))


def eye(N, M=None, k=0, dtype=None):
    """The N x M matrix with ones on diagonal k."""
    return Tensor(np.eye(N, M, k, dtype=_dtype(dtype)))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    return Tensor(np.tri(N, M, k, dtype=_dtype(dtype)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    values, step = np.linspace(_data(start), _data(stop), num, endpoint, retstep=True, axis=axis)
    values = Tensor(values.astype(_dtype(dtype)))
    return (values, step) if retstep else values


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return Tensor(np.logspace(_data(start), _data(stop), num, endpoint, base, axis=axis).astype(_dtype(dtype)))


def meshgrid(*x, indexing="xy"):
    return [Tensor(g) for g in np.meshgrid(*[_data(v) for v in x], indexing=indexing)]


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels -> one-hot floatx vectors along `axis` (out-of-range labels give zeros, as Keras)."""
    labels = _data(x).astype(np.int64)
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int. Received: num_classes={num_classes!r}")
    valid = (labels >= 0) & (labels < num_classes)
    out = (labels[..., None] == np.arange(num_classes)) & valid[..., None]
    out = out.astype(_dtype(dtype))
    if axis != -1 and axis != out.ndim - 1:
        out = np.moveaxis(out, -1, axis)
    return Tensor(out)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Rows of integer labels -> a vector with 1 at every label present."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    labels = _data(inputs).astype(np.int64)
    batched = labels.ndim > 1
    rows = labels if batched else labels[None]
    out = np.zeros((rows.shape[0], num_classes), dtype=_dtype(dtype))
    for row, values in enumerate(rows):
        values = values[(values >= 0) & (values < num_classes)]
        out[row, values] = 1
    return Tensor(out if batched else out[0])


class CallableShapeModule(types.ModuleType):
    """The `strided.ops.shape` module, also callable as Keras' `ops.shape(x)` (the shape as a tuple).

    `ops.shape` is the name of both a strided module (reshape, transpose, ...) and a Keras
    function; making the module callable keeps `from strided.ops import shape` working.
    """

    def __call__(self, x):
        return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def ndim(x):
    return np.ndim(_data(x))


def size(x):
    return int(np.size(_data(x)))


def dtype(x):
    return str(_data(x).dtype)


__all__ = [
    "convert_to_tensor", "convert_to_numpy", "is_tensor", "stop_gradient", "arange", "ones", "zeros", "empty",
    "full", "ones_like", "zeros_like", "empty_like", "full_like", "eye", "identity", "tri", "linspace",
    "logspace", "meshgrid", "one_hot", "multi_hot", "ndim", "size", "dtype",
]
