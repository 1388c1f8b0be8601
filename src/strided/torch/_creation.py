"""Making tensors: `tensor`, `from_numpy`, `zeros`, `arange`, `randn`, the `*_like` family.

dtype rules are PyTorch's: Python floats -> the default float (float32), Python ints ->
int64, `arange` of ints -> int64; `requires_grad=True` only on floating point tensors.
"""

import numbers

import numpy as np

from strided.torch import _dtypes
from strided.torch._device import check_device
from strided.torch._random import rng
from strided.torch._tensor import Tensor, as_array, wrap_array


def _finish(array, requires_grad=False, device=None):
    check_device(device)
    tensor = wrap_array(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _sizes(size):
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"sizes must be non-negative ints, got {tuple(size)!r}")
    return tuple(int(s) for s in size)


def _float(dtype):
    return _dtypes.to_numpy_dtype(dtype) if dtype is not None else _dtypes.get_default_dtype().numpy_dtype


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, NumPy arrays, tensors)."""
    return _finish(np.array(as_array(data, dtype), copy=True), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares memory with a NumPy array or Tensor of the same dtype."""
    if isinstance(data, Tensor) and (dtype is None or _dtypes.to_numpy_dtype(dtype) == data._node.data.dtype):
        return data
    return _finish(as_array(data, dtype), False, device)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return _finish(as_array(array))


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _finish(np.zeros(_sizes(size), _float(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _finish(np.ones(_sizes(size), _float(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, memory_format=None):
    return _finish(np.zeros(_sizes(size), _float(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False, layout=None):
    if dtype is None:
        dtype = _dtypes.scalar_dtype(fill_value)
    return _finish(np.full(_sizes((size,)), fill_value, _dtypes.to_numpy_dtype(dtype)), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start (0) to end, exclusive; int64 when every argument is an int."""
    if end is None:
        start, end = 0, start
    values = [float(v) if isinstance(v, Tensor) and v.is_floating_point() else v for v in (start, end, step)]
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) or isinstance(v, Tensor) and not v.is_floating_point()
                       for v in values)
        dtype = np.int64 if integral else _dtypes.get_default_dtype().numpy_dtype
    numpy_dtype = _dtypes.to_numpy_dtype(dtype)
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in values)
    count = max(int(np.ceil((end - start) / step)), 0)
    return _finish((start + step * np.arange(count, dtype=np.float64)).astype(numpy_dtype)
                   if numpy_dtype.kind == "f" else np.arange(start, end, step).astype(numpy_dtype),
                   requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _finish(np.linspace(start, end, int(steps)).astype(_float(dtype)), requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    return _finish(np.logspace(start, end, int(steps), base=base).astype(_float(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1)."""
    return _finish(rng(generator).random(_sizes(size)).astype(_float(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    return _finish(rng(generator).standard_normal(_sizes(size)).astype(_float(dtype)), requires_grad, device)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high) (int64); `randint(high, size)` starts at 0."""
    if size is None:
        low, high, size = 0, low, high
    dtype = np.int64 if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _finish(rng(generator).integers(low, high, size=_sizes((size,))).astype(dtype), requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = np.int64 if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _finish(rng(generator).permutation(int(n)).astype(dtype), requires_grad, device)


def normal(mean, std, size=None, generator=None):
    if size is not None:
        return _finish((mean + std * rng(generator).standard_normal(_sizes((size,)))).astype(_float(None)))
    mean_a, std_a = as_array(mean), as_array(std)
    shape = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
    dtype = mean_a.dtype if mean_a.dtype.kind == "f" else std_a.dtype
    return _finish((mean_a + std_a * rng(generator).standard_normal(shape)).astype(dtype))


def bernoulli(input, p=None, generator=None):  # noqa: A002 - PyTorch's argument name
    probability = as_array(input) if p is None else np.full(np.shape(as_array(input)), p)
    return _finish((rng(generator).random(probability.shape) < probability).astype(as_array(input).dtype))


def _like(fill):
    def like(input, dtype=None, device=None, requires_grad=False, memory_format=None, **kwargs):  # noqa: A002
        array = as_array(input)
        numpy_dtype = array.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
        return _finish(fill(array.shape, numpy_dtype, **kwargs), requires_grad, device)
    return like


zeros_like = _like(lambda shape, dtype: np.zeros(shape, dtype))
ones_like = _like(lambda shape, dtype: np.ones(shape, dtype))
empty_like = _like(lambda shape, dtype: np.zeros(shape, dtype))
rand_like = _like(lambda shape, dtype, generator=None: rng(generator).random(shape).astype(dtype))
randn_like = _like(lambda shape, dtype, generator=None: rng(generator).standard_normal(shape).astype(dtype))


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):  # noqa: A002
    array = as_array(input)
    numpy_dtype = array.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _finish(np.full(array.shape, fill_value, numpy_dtype), requires_grad, device)


def randint_like(input, low, high=None, dtype=None, device=None, requires_grad=False):  # noqa: A002
    if high is None:
        low, high = 0, low
    array = as_array(input)
    numpy_dtype = array.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
    return _finish(rng().integers(low, high, size=array.shape).astype(numpy_dtype), requires_grad, device)
