"""Attach PyTorch's operators and methods to `Tensor` (x + y, x @ w, x[0], x.sum(1), x.add_(y)).

The functions live in `_math.py`, `_reductions.py` and `_shaping.py` (they are also the
`torch.add`, `torch.sum`, ... functions); here each becomes a method, and each in-place
method `name_` is made from its out-of-place twin by `_in_place` (see `_tensor.py` for the
rule: write into the array when not recording, re-point the handle when recording).
"""

import numpy as np

from strided import ops
from strided.autograd import Tensor as Node
from strided.autograd import is_grad_enabled
from strided.torch import _comparison, _dtypes, _indexing, _math, _ordering, _reductions, _shaping
from strided.torch._random import rng
from strided.torch._tensor import Tensor, wrap, wrap_array


def assign(tensor, result):
    """Make `tensor` hold `result`: in place when nothing is recorded, else by re-pointing."""
    node = tensor._node
    recording = is_grad_enabled() and (node.requires_grad or result._node.requires_grad)
    if recording:
        if node.requires_grad and node._creator is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with torch.no_grad():`."
            )
        new = result._node
        if new.data.dtype != node.data.dtype:
            new = ops.cast(new, node.data.dtype)
        if new.data.shape != node.data.shape:
            raise RuntimeError(
                f"output with shape {list(node.data.shape)} doesn't match the broadcast shape "
                f"{list(new.data.shape)}"
            )
        tensor._node = new
    else:
        try:
            np.copyto(node.data, result._node.data, casting="unsafe")
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(node.data.shape)} doesn't match the broadcast shape "
                f"{list(result._node.data.shape)}"
            ) from None
    return tensor


def _in_place(function):
    def method(self, *args, **kwargs):
        return assign(self, function(self, *args, **kwargs))
    method.__name__ = function.__name__ + "_"
    return method


def _view_in_place(function):
    """`unsqueeze_`, `t_`, ...: the tensor takes the new shape (a view of the same memory), as in
    PyTorch, where these in-place ops change the tensor's metadata, not its values."""
    def method(self, *args, **kwargs):
        result = function(self, *args, **kwargs)
        if is_grad_enabled() and self._node.requires_grad:
            if self._node._creator is None:
                raise RuntimeError(f"{function.__name__}_: a leaf Variable that requires grad is being used in "
                                   "an in-place operation. Wrap it in `with torch.no_grad():`.")
            self._node = result._node
        else:
            requires_grad = self._node.requires_grad
            self._node = Node(result._node.data, _copy=False)
            self._node.requires_grad = requires_grad
        return self
    method.__name__ = function.__name__ + "_"
    return method


def _reflected(function):
    return lambda self, other: function(other, self)


def _softmax(self, dim=None, dtype=None):
    node = self.type(dtype)._node if dtype is not None else _math.float_node(self)
    return wrap(ops.softmax(node, axis=-1 if dim is None else self._dim(dim)))


def _log_softmax(self, dim=None, dtype=None):
    node = self.type(dtype)._node if dtype is not None else _math.float_node(self)
    return wrap(ops.log_softmax(node, axis=-1 if dim is None else self._dim(dim)))


def _fill(self, value):
    return assign(self, wrap_array(np.full(self._node.data.shape, _math.value_of(value), self._node.data.dtype)))


def _zero(self):
    return _fill(self, 0)


def _copy(self, src, non_blocking=False):
    src = src if isinstance(src, Tensor) else wrap_array(np.asarray(src))
    return assign(self, _shaping.expand(src, *self._node.data.shape) if src.shape != self.shape else src)


def _random_fill(draw):
    def method(self, *args, generator=None, **kwargs):
        values = draw(rng(generator), self._node.data.shape, *args, **kwargs)
        return assign(self, wrap_array(np.asarray(values, dtype=self._node.data.dtype)))
    return method


def _new(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
            size = tuple(size[0])
        numpy_dtype = self._node.data.dtype if dtype is None else _dtypes.to_numpy_dtype(dtype)
        result = wrap_array(fill(size, numpy_dtype, **kwargs))
        return result.requires_grad_(True) if requires_grad else result
    return method


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from strided.torch._creation import tensor

    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _addcmul(self, tensor1, tensor2, *, value=1):
    return _math.add(self, _math.mul(_math.mul(tensor1, tensor2), value))


def _addcdiv(self, tensor1, tensor2, *, value=1):
    return _math.add(self, _math.mul(_math.div(tensor1, tensor2), value))


def _type_as(self, other):
    return self.type(other.dtype)


def _apply_(self, callable_):
    self._node.data[...] = np.vectorize(callable_)(self._node.data)
    return self


FUNCTIONS = {
    **{name: getattr(_math, name) for name in (
        "add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "neg", "matmul", "mm",
        "bmm", "dot", "outer", "exp", "log", "sqrt", "tanh", "sigmoid", "erf", "sin", "cos", "rsqrt",
        "reciprocal", "log1p", "expm1", "log2", "log10", "exp2", "tan", "atan", "asin", "acos", "sinh",
        "cosh", "abs", "absolute", "square", "relu", "floor", "ceil", "trunc", "frac", "sign", "round",
        "isnan", "isinf", "isfinite", "logical_not", "clamp", "clip", "maximum", "minimum", "where", "lerp",
        "signbit")},
    **{name: getattr(_comparison, name) for name in (
        "eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal", "greater", "greater_equal",
        "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
        "bitwise_not", "equal", "allclose", "isclose")},
    **{name: getattr(_reductions, name) for name in (
        "sum", "mean", "var", "std", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "all",
        "any", "count_nonzero", "cumsum", "logsumexp", "norm", "median")},
    **{name: getattr(_shaping, name) for name in (
        "reshape", "view", "flatten", "unflatten", "unsqueeze", "squeeze", "permute", "transpose",
        "swapaxes", "swapdims", "t", "movedim", "contiguous", "clone", "expand", "expand_as",
        "broadcast_to", "repeat", "repeat_interleave", "split", "chunk", "unbind")},
    **{name: getattr(_indexing, name) for name in (
        "narrow", "select", "index_select", "masked_select", "gather", "take_along_dim", "scatter",
        "scatter_add", "masked_fill")},
    **{name: getattr(_ordering, name) for name in (
        "flip", "roll", "sort", "argsort", "topk", "nonzero", "unique", "tril", "triu", "diag", "bincount")},
}
subtract, multiply, divide, true_divide = _math.sub, _math.mul, _math.div, _math.div
IN_PLACE = (
    "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "abs", "relu",
    "floor", "ceil", "trunc", "round", "clamp", "clip", "masked_fill", "scatter", "scatter_add", "lerp",
    "reciprocal", "rsqrt", "square", "sign", "remainder", "fmod", "sin", "cos", "erf", "log1p", "expm1",
)
VIEW_IN_PLACE = ("unsqueeze", "squeeze", "t", "transpose", "swapaxes", "swapdims")


def install():
    for name, function in FUNCTIONS.items():
        setattr(Tensor, name, function)
    Tensor.subtract, Tensor.multiply, Tensor.divide, Tensor.true_divide = subtract, multiply, divide, true_divide
    for name in IN_PLACE:
        setattr(Tensor, name + "_", _in_place(FUNCTIONS[name]))
    for name in VIEW_IN_PLACE:
        setattr(Tensor, name + "_", _view_in_place(FUNCTIONS[name]))
    Tensor.addcmul, Tensor.addcdiv = _addcmul, _addcdiv
    Tensor.addcmul_, Tensor.addcdiv_ = _in_place(_addcmul), _in_place(_addcdiv)
    Tensor.clamp_min = lambda self, min: _math.clamp(self, min=min)  # noqa: A006
    Tensor.clamp_max = lambda self, max: _math.clamp(self, max=max)  # noqa: A006
    Tensor.clamp_min_ = _in_place(Tensor.clamp_min)
    Tensor.clamp_max_ = _in_place(Tensor.clamp_max)
    Tensor.softmax, Tensor.log_softmax = _softmax, _log_softmax
    Tensor.fill_, Tensor.zero_, Tensor.copy_ = _fill, _zero, _copy
    Tensor.normal_ = _random_fill(lambda g, shape, mean=0.0, std=1.0: mean + std * g.standard_normal(shape))
    Tensor.uniform_ = _random_fill(lambda g, shape, a=0.0, b=1.0: g.uniform(a, b, shape))
    Tensor.bernoulli_ = _random_fill(lambda g, shape, p=0.5: g.random(shape) < p)
    Tensor.exponential_ = _random_fill(lambda g, shape, lambd=1.0: g.exponential(1 / lambd, shape))
    Tensor.random_ = _random_fill(lambda g, shape, low=0, high=2**31: g.integers(low, high, shape))
    Tensor.new_zeros = _new(lambda size, dtype: np.zeros(size, dtype))
    Tensor.new_ones = _new(lambda size, dtype: np.ones(size, dtype))
    Tensor.new_empty = _new(lambda size, dtype: np.zeros(size, dtype))
    Tensor.new_full = lambda self, size, fill_value, **kw: _new(
        lambda s, dtype: np.full(s, fill_value, dtype))(self, size, **kw)
    Tensor.new_tensor = _new_tensor
    Tensor.type_as = _type_as
    Tensor.view_as = lambda self, other: _shaping.reshape(self, *other.shape)
    Tensor.reshape_as = Tensor.view_as
    Tensor.apply_ = _apply_
    Tensor.T = property(lambda self: _shaping.permute(self, *reversed(range(self.dim()))))
    Tensor.mT = property(lambda self: _shaping.transpose(self, -2, -1))
    Tensor.is_nonzero = lambda self: bool(self)

    Tensor.__add__, Tensor.__radd__ = _math.add, _reflected(_math.add)
    Tensor.__sub__, Tensor.__rsub__ = _math.sub, _reflected(_math.sub)
    Tensor.__mul__, Tensor.__rmul__ = _math.mul, _reflected(_math.mul)
    Tensor.__truediv__, Tensor.__rtruediv__ = _math.div, _reflected(_math.div)
    Tensor.__floordiv__, Tensor.__rfloordiv__ = _math.floor_divide, _reflected(_math.floor_divide)
    Tensor.__mod__, Tensor.__rmod__ = _math.remainder, _reflected(_math.remainder)
    Tensor.__pow__, Tensor.__rpow__ = _math.pow, _reflected(_math.pow)
    Tensor.__matmul__, Tensor.__rmatmul__ = _math.matmul, _reflected(_math.matmul)
    Tensor.__iadd__, Tensor.__isub__ = Tensor.add_, Tensor.sub_
    Tensor.__imul__, Tensor.__itruediv__ = Tensor.mul_, Tensor.div_
    Tensor.__neg__, Tensor.__abs__ = _math.neg, _math.abs
    Tensor.__pos__ = lambda self: self
    Tensor.__invert__ = lambda self: (_math.logical_not(self) if self.dtype is _dtypes.bool
                                      else _comparison.bitwise_not(self))
    Tensor.__and__, Tensor.__rand__ = _comparison.bitwise_and, _reflected(_comparison.bitwise_and)
    Tensor.__or__, Tensor.__ror__ = _comparison.bitwise_or, _reflected(_comparison.bitwise_or)
    Tensor.__xor__, Tensor.__rxor__ = _comparison.bitwise_xor, _reflected(_comparison.bitwise_xor)
    Tensor.__eq__, Tensor.__ne__ = _comparison.eq, _comparison.ne
    Tensor.__lt__, Tensor.__le__ = _comparison.lt, _comparison.le
    Tensor.__gt__, Tensor.__ge__ = _comparison.gt, _comparison.ge
    Tensor.__getitem__, Tensor.__setitem__ = _indexing.get_item, _indexing.set_item
