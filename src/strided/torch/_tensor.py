"""`strided.torch.Tensor`: PyTorch's tensor, a thin handle on strided's autograd Tensor.

A `Tensor` holds one engine tensor (`strided.autograd.Tensor`, in `._node`) and speaks
PyTorch: `.shape` is a `torch.Size`, `.dtype` a `torch.float32`-like object, `.grad` a
Tensor, `.data` a detached Tensor sharing memory. Every differentiable method calls
`strided.ops` (or a Function in `_functions.py`) on the engine tensors, so gradients flow
through the same tape as the Keras front end's; there is no second autograd.

In-place methods (`add_`, `zero_`, `relu_`, ...) write into the array when no gradient is
being recorded (an optimizer step, `with torch.no_grad()`); when one is, they compute out of
place and re-point this handle at the result, so arrays saved for a backward pass are never
overwritten (PyTorch instead checks version counters).

This file holds the object itself: construction, facts, conversion and the autograd bridge.
Arithmetic, reductions and shape methods are attached by `_tensor_methods.py`.
"""

import numbers

import numpy as np

from strided.autograd import Tensor as Node
from strided.autograd import is_grad_enabled
from strided.ops import shape as shape_ops
from strided.torch import _dtypes
from strided.torch._arrays import Size, as_array
from strided.torch._device import check_device, cpu_device
from strided.torch._tensor_repr import GradFn, format_values, grad_fn_name, with_suffixes


def wrap(node):
    """A Tensor handle on an engine tensor (no copy)."""
    tensor = Tensor.__new__(Tensor)
    tensor._node = node
    return tensor


def wrap_array(array, requires_grad=False):
    """A Tensor owning `array` (no copy)."""
    return wrap(Node(array, requires_grad=requires_grad, _copy=False))


def node_of(value, like=None):
    """The engine tensor of a Tensor, or a constant engine tensor for a number / array."""
    if isinstance(value, Tensor):
        return value._node
    if isinstance(value, numbers.Number) and like is not None:
        return Node(np.asarray(value, dtype=like.dtype), _copy=False)
    return Node(as_array(value), _copy=False)


class Tensor:
    """A multi-dimensional array with PyTorch's methods and autograd.

    `torch.Tensor(data)` makes a float32 copy (PyTorch's legacy constructor) and
    `torch.Tensor(2, 3)` an uninitialised (here: zero) 2x3 float32 tensor; prefer
    `torch.tensor(data)`, which keeps integer data integer.

    Example:
        >>> import strided.torch as torch
        >>> x = torch.tensor([[1.0, 2.0]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([[2., 4.]])
    """

    __array_priority__ = 1000  # ndarray + Tensor -> Tensor.__radd__
    __hash__ = object.__hash__  # hashable by identity (optimizer state is keyed by parameter)

    def __init__(self, *args, device=None):
        check_device(device)
        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            array = np.array(as_array(args[0]), dtype=_dtypes.get_default_dtype().numpy_dtype)
        elif all(isinstance(a, numbers.Integral) for a in args):
            array = np.zeros(args, dtype=_dtypes.get_default_dtype().numpy_dtype)
        else:
            raise TypeError(f"Tensor(): expected data or sizes, got {args!r:.80}")
        self._node = Node(array, _copy=False)

    # ------------------------------------------------------------------ facts
    @property
    def shape(self):
        return Size(self._node.data.shape)

    def size(self, dim=None):
        shape = self._node.data.shape
        if dim is None:
            return Size(shape)
        return shape[self._dim(dim)]

    @property
    def dtype(self):
        return _dtypes.from_numpy_dtype(self._node.data.dtype)

    @property
    def ndim(self):
        return self._node.data.ndim

    def dim(self):
        return self._node.data.ndim

    ndimension = dim

    def numel(self):
        return int(self._node.data.size)

    nelement = numel

    def element_size(self):
        return self._node.data.itemsize

    @property
    def device(self):
        return cpu_device

    @property
    def is_cuda(self):
        return False

    @property
    def layout(self):
        return "torch.strided"

    def is_floating_point(self):
        return self._node.data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None):
        return bool(self._node.data.flags.c_contiguous)

    def data_ptr(self):
        return self._node.data.__array_interface__["data"][0]

    def __len__(self):
        if self._node.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._node.data)

    def _dim(self, dim):
        """A non-negative axis from PyTorch's `dim` (negative counts from the end)."""
        ndim = max(self._node.data.ndim, 1)
        dim = int(dim)
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
            )
        return dim % ndim

    # ------------------------------------------------------------ conversion
    def numpy(self, force=False):
        """The array behind the tensor (shared, as PyTorch's `.numpy()`)."""
        if self._node.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._node.data

    def __array__(self, dtype=None, copy=None):
        data = self._node.data
        return data if dtype is None else data.astype(dtype)

    def item(self):
        if self._node.data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._node.data.size} elements cannot be converted to Scalar"
            )
        return self._node.data.item()

    def tolist(self):
        return self._node.data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._node.data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        if self._node.data.ndim == 0:
            return self._node.data.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __bool__(self):
        if self._node.data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._node.data.item())

    def __iter__(self):
        if self._node.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._node.data)))

    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.array(self._node.data), self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol")
        copied = type(self).__new__(type(self))
        copied.__dict__.update({k: v for k, v in self.__dict__.items() if k != "_node"})
        node = Node(np.array(self._node.data), requires_grad=self.requires_grad, _copy=False)
        if self._node.grad is not None:
            node.grad = np.array(self._node.grad)
        copied._node = node
        memo[id(self)] = copied
        return copied

    def to(self, *args, **kwargs):
        """`to(device)`, `to(dtype)`, `to(other)`, `to(device, dtype)`; "cuda" is refused clearly."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, _dtypes.dtype):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype = arg.dtype
            else:
                device = arg
        check_device(device)
        result = self if dtype is None else self.type(dtype)
        return result.clone() if copy and result is self else result

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False):
        check_device("cuda")

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{_TYPE_NAMES.get(self.dtype.name, 'Tensor')}"
        if isinstance(dtype, str):
            dtype = _STRING_TYPES[dtype]
        numpy_dtype = _dtypes.to_numpy_dtype(dtype)
        if numpy_dtype == self._node.data.dtype:
            return self
        node = self._node
        if node.requires_grad and is_grad_enabled() and numpy_dtype.kind == "f":
            return wrap(shape_ops.cast(node, numpy_dtype))
        return wrap_array(node.data.astype(numpy_dtype))

    def float(self):
        return self.type(_dtypes.float32)

    def double(self):
        return self.type(_dtypes.float64)

    def half(self):
        return self.type(_dtypes.float16)

    def long(self):
        return self.type(_dtypes.int64)

    def int(self):
        return self.type(_dtypes.int32)

    def short(self):
        return self.type(_dtypes.int16)

    def char(self):
        return self.type(_dtypes.int8)

    def byte(self):
        return self.type(_dtypes.uint8)

    def bool(self):
        return self.type(_dtypes.bool)

    # ------------------------------------------------------------- autograd
    @property
    def requires_grad(self):
        return self._node.requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._node.data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        if not requires_grad and not self.is_leaf:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._node.requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self._node._creator is None

    @property
    def grad_fn(self):
        creator = self._node._creator
        return None if creator is None else GradFn(creator)

    @property
    def grad(self):
        retained = self.__dict__.get("_retained_grad", False)  # set by retain_grad() on a non-leaf
        grad = self._node.grad if retained is False else retained
        return None if grad is None else wrap_array(grad)

    @grad.setter
    def grad(self, value):
        if value is None:
            self._node.grad = None
            if self.retains_grad:
                self._retained_grad = None
            return
        array = as_array(value)
        if array.shape != self._node.data.shape:
            raise RuntimeError(
                f"assigned grad has data of a different size: {tuple(array.shape)} for a tensor of "
                f"size {tuple(self._node.data.shape)}"
            )
        if self.retains_grad:
            self._retained_grad = array
        else:
            self._node.grad = array

    @property
    def data(self):
        """The same values, detached from the graph (shares memory)."""
        return wrap_array(self._node.data)

    @data.setter
    def data(self, value):
        self._node.data = as_array(value)

    def detach(self):
        return wrap_array(self._node.data)

    def detach_(self):
        self._node = Node(self._node.data, _copy=False)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Fill `.grad` of the leaves this tensor was computed from (PyTorch's `backward`)."""
        if create_graph:
            raise NotImplementedError("backward(create_graph=True): strided computes first derivatives only")
        if not self._node.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self._node.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
        else:
            gradient = as_array(gradient)
        self._node.backward(gradient, retain_graph=bool(retain_graph))

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in `.grad` after backward (call it before using the tensor)."""
        if self.is_leaf or self.retains_grad:
            return
        from strided.torch._functions import RetainGrad

        self._retained_grad = None
        self._node = RetainGrad.apply(self._node, owner=self)

    @property
    def retains_grad(self):
        return self.__dict__.get("_retained_grad", False) is not False

    # ------------------------------------------------------------------ repr
    def __repr__(self):
        data = self._node.data
        extras = []
        if data.size == 0 and data.ndim != 1:
            extras.append(f"size={tuple(data.shape)}")
        default_float = _dtypes.get_default_dtype().numpy_dtype
        if data.dtype not in (default_float, np.int64, np.bool_) or data.size == 0 and data.dtype != default_float:
            extras.append(f"dtype={self.dtype!r}")
        if self._node._creator is not None:
            extras.append(f"grad_fn=<{grad_fn_name(self._node._creator)}>")
        elif self._node.requires_grad:
            extras.append("requires_grad=True")
        head = "" if type(self) is Tensor else "Parameter containing:\n"
        return head + with_suffixes("tensor(" + format_values(data), extras)

    __str__ = __repr__


# where users meet the class: print(type(x)) shows <class 'strided.torch.Tensor'> (as PyTorch's
# <class 'torch.Tensor'>), and pickle finds it there
Tensor.__module__ = "strided.torch"

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
               "uint8": "ByteTensor", "bool": "BoolTensor"}
_STRING_TYPES = {f"torch.{name}": _dtypes._BY_NAME[key] for key, name in _TYPE_NAMES.items()}


def _rebuild(array, requires_grad):
    tensor = wrap_array(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor
