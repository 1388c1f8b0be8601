"""NumPy arrays from PyTorch-style data (torch.tensor's dtype rules) and `torch.Size`."""

import numpy as np

from strided.torch import _dtypes


class Size(tuple):
    """A tensor's shape: a tuple of ints with PyTorch's repr and `numel()`."""

    def numel(self):
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __repr__(self):
        return f"torch.Size({list(self)})"


def as_array(data, dtype=None):
    """A NumPy array from PyTorch-style data, with torch.tensor's dtype rules.

    Python floats become the default float (float32), Python ints int64, bools bool; a NumPy
    array or Tensor keeps its dtype. The result may share memory with `data` (callers copy).
    """
    numpy_dtype = _dtypes.to_numpy_dtype(dtype)
    if hasattr(data, "_node"):  # a strided.torch Tensor
        array = data._node.data
    elif isinstance(data, np.ndarray):
        array = data
    else:
        if isinstance(data, (list, tuple)) and any(hasattr(x, "_node") for x in _flat(data)):
            data = _nested_arrays(data)
        array = np.asarray(data)
        if array.dtype == object:
            raise TypeError(f"could not make a tensor from {type(data).__name__} data: {data!r:.80}")
        if numpy_dtype is None:
            if array.dtype.kind == "f":
                array = array.astype(_dtypes.get_default_dtype().numpy_dtype)
            elif array.dtype.kind in "iu":
                array = array.astype(np.int64)
            elif array.dtype.kind == "c":
                array = array.astype(np.complex64)
    if numpy_dtype is not None and array.dtype != numpy_dtype:
        array = array.astype(numpy_dtype)
    _dtypes.from_numpy_dtype(array.dtype)  # a clear error for dtypes torch has no twin of
    return array


def _flat(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def _nested_arrays(data):
    if hasattr(data, "_node"):
        return data._node.data
    if isinstance(data, (list, tuple)):
        return [_nested_arrays(item) for item in data]
    return data
