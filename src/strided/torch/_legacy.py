"""PyTorch's legacy constructors, still common in older programs and tutorials:

- `torch.FloatTensor([0.1, 1.0])`, `torch.LongTensor([1, 2])`, `torch.DoubleTensor(2, 3)`: a tensor
  of that dtype from data (cast, e.g. 1.7 -> 1 for LongTensor) or of that size (zeros here, where
  PyTorch leaves memory uninitialised); `isinstance(t, torch.LongTensor)` is True for any int64 tensor.
- `torch.autograd.Variable(t, requires_grad=True)`: since PyTorch 0.4 a plain tensor: a leaf that
  shares `t`'s memory, with the requires_grad given; `isinstance(t, Variable)` is True for every tensor.
"""

import numbers

import numpy as np

from strided.torch._arrays import as_array
from strided.torch._device import check_device
from strided.torch._tensor import Tensor, wrap_array


class _TensorType(type):
    """The metaclass of FloatTensor & co: instance checks by dtype, calls build a Tensor."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._node.data.dtype == cls.numpy_dtype

    def __call__(cls, *args, device=None):
        check_device(device)
        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            data = args[0]
            array = data.numpy() if isinstance(data, Tensor) else as_array(data)
            if isinstance(data, Tensor) and array.dtype != cls.numpy_dtype:
                raise TypeError(f"expected {cls.__name__} (got {data.type()})")
            return wrap_array(np.array(array, dtype=cls.numpy_dtype))
        if all(isinstance(a, numbers.Integral) for a in args):
            return wrap_array(np.zeros(args, dtype=cls.numpy_dtype))
        raise TypeError(f"{cls.__name__}(): expected data or sizes, got {args!r:.80}")


def _legacy_type(name, numpy_dtype):
    return _TensorType(name, (), {"numpy_dtype": np.dtype(numpy_dtype), "__module__": "torch",
                                  "__doc__": f"A {np.dtype(numpy_dtype).name} tensor (PyTorch's legacy {name})."})


FloatTensor = _legacy_type("FloatTensor", np.float32)
DoubleTensor = _legacy_type("DoubleTensor", np.float64)
HalfTensor = _legacy_type("HalfTensor", np.float16)
LongTensor = _legacy_type("LongTensor", np.int64)
IntTensor = _legacy_type("IntTensor", np.int32)
ShortTensor = _legacy_type("ShortTensor", np.int16)
CharTensor = _legacy_type("CharTensor", np.int8)
ByteTensor = _legacy_type("ByteTensor", np.uint8)
BoolTensor = _legacy_type("BoolTensor", np.bool_)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)

    def __call__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(bool(requires_grad))


class Variable(metaclass=_VariableMeta):
    """`Variable(tensor, requires_grad=False)`: the tensor as a new leaf sharing its memory."""


__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
           "LongTensor", "ShortTensor", "Variable"]
