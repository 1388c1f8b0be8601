"""Elementwise maths with PyTorch's type promotion: add, mul, div, pow, exp, clamp, comparisons...

Each function takes Tensors or Python numbers, finds the result dtype as `torch.result_type`
does (`_dtypes.result_type`), casts the operands to it, and calls the `strided.ops` op on the
engine tensors, so broadcasting and gradients are the engine's. Comparisons and integer-only
functions compute on the arrays directly (they have no gradient).
"""

import builtins
import numbers

import numpy as np

from strided import ops
from strided.autograd import Tensor as Node
from strided.autograd import is_grad_enabled
from strided.torch import _dtypes
from strided.torch import _functions as fn
from strided.torch._tensor import Tensor, as_array, wrap, wrap_array


def value_of(x):
    """The array of a Tensor, or the Python number itself (for result_type)."""
    if isinstance(x, Tensor):
        return x._node.data
    if isinstance(x, (numbers.Number, np.bool_)):
        return x
    return as_array(x)


def cast_node(x, numpy_dtype):
    """`x` (Tensor, number or array) as an engine tensor of `numpy_dtype` (differentiable for float->float)."""
    if isinstance(x, Tensor):
        node = x._node
        if node.data.dtype == numpy_dtype:
            return node
        if node.requires_grad and is_grad_enabled() and numpy_dtype.kind == "f" and node.data.dtype.kind == "f":
            return ops.cast(node, numpy_dtype)
        return Node(node.data.astype(numpy_dtype), _copy=False)
    return Node(np.asarray(value_of(x), dtype=numpy_dtype), _copy=False)


def promoted(*operands, broadcast=True):
    """The operands as engine tensors of their common PyTorch result dtype; with `broadcast`
    (elementwise ops), a PyTorch-worded error when their shapes do not broadcast."""
    values = [value_of(x) for x in operands]
    if broadcast:
        shapes = [np.shape(v) for v in values]
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise RuntimeError(_broadcast_message(shapes)) from None
    dtype = _dtypes.result_type(*values)
    return [cast_node(x, dtype) for x in operands]


def _broadcast_message(shapes):
    """PyTorch's words for shapes that do not broadcast, naming the first dimension that differs."""
    a, b = shapes[0], shapes[1] if len(shapes) > 1 else ()
    for offset in range(1, min(len(a), len(b)) + 1):
        if a[-offset] != b[-offset] and 1 not in (a[-offset], b[-offset]):
            return (f"The size of tensor a ({a[-offset]}) must match the size of tensor b ({b[-offset]}) at "
                    f"non-singleton dimension {max(len(a), len(b)) - offset} (shapes {list(a)} and {list(b)})")
    return f"shapes {[list(s) for s in shapes]} cannot be broadcast together"


def float_node(x):
    """An engine tensor in a floating dtype (integers become the default float, as torch.exp(int))."""
    if not isinstance(x, Tensor):
        x = wrap_array(as_array(x))
    if x._node.data.dtype.kind in "fc":
        return x._node
    return cast_node(x, _dtypes.get_default_dtype().numpy_dtype)


def _check_alpha(alpha):
    return alpha is None or alpha == 1


def add(input, other, *, alpha=1, out=None):  # noqa: A002 - PyTorch's argument name
    """input + alpha * other, broadcast."""
    if not _check_alpha(alpha):
        other = mul(other, alpha)
    a, b = promoted(input, other)
    if a.data.dtype.kind == "b":
        return wrap_array(a.data | b.data)
    return wrap(ops.add(a, b))


def sub(input, other, *, alpha=1, out=None):  # noqa: A002
    """input - alpha * other, broadcast."""
    if not _check_alpha(alpha):
        other = mul(other, alpha)
    a, b = promoted(input, other)
    if a.data.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use logical_xor().")
    return wrap(ops.subtract(a, b))


def mul(input, other, *, out=None):  # noqa: A002
    a, b = promoted(input, other)
    if a.data.dtype.kind == "b":
        return wrap_array(a.data & b.data)
    return wrap(ops.multiply(a, b))


def div(input, other, *, rounding_mode=None, out=None):  # noqa: A002
    """True division (integers give the default float), or rounding_mode "trunc"/"floor"."""
    a, b = promoted(input, other)
    if rounding_mode is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            if rounding_mode == "floor":
                result = np.floor_divide(a.data, b.data) if a.data.dtype.kind in "iu" else np.floor(a.data / b.data)
            elif rounding_mode == "trunc":
                result = np.trunc(a.data / b.data)
            else:
                raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
        return wrap_array(np.asarray(result).astype(a.data.dtype))
    if a.data.dtype.kind not in "fc":
        a, b = (cast_node(wrap(n), _dtypes.get_default_dtype().numpy_dtype) for n in (a, b))
    return wrap(ops.divide(a, b))


def floor_divide(input, other):  # noqa: A002
    return div(input, other, rounding_mode="floor")


def remainder(input, other):  # noqa: A002
    a, b = promoted(input, other)
    if a.requires_grad and is_grad_enabled():  # x - floor(x / y) * y, the floor a constant
        quotient = np.floor(a.data / b.data).astype(a.data.dtype)
        return wrap(ops.subtract(a, ops.multiply(b, Node(quotient, _copy=False))))
    return wrap_array(np.remainder(a.data, b.data))


def fmod(input, other):  # noqa: A002
    a, b = promoted(input, other)
    return wrap_array(np.fmod(a.data, b.data))


def pow(input, exponent):  # noqa: A001, A002
    """input ** exponent; a tensor exponent goes through exp(exponent * log(input))."""
    if isinstance(input, Tensor) and isinstance(exponent, numbers.Number) and not isinstance(exponent, builtins.bool):
        dtype = _dtypes.result_type(input._node.data, exponent)
        node = cast_node(input, dtype)
        if dtype.kind in "iu":
            return wrap_array(np.power(node.data, int(exponent)))
        if exponent == 2:
            return wrap(ops.multiply(node, node)) if node.requires_grad else wrap_array(node.data * node.data)
        return wrap(ops.power(node, exponent))
    base, power = promoted(input, exponent)
    if base.data.dtype.kind in "iu":
        return wrap_array(np.power(base.data, power.data))
    if not base.requires_grad:  # constant base: d/dp b^p = b^p log b
        return wrap(ops.exp(ops.multiply(power, Node(np.log(base.data), _copy=False))))
    return wrap(ops.exp(ops.multiply(power, ops.log(base))))


def neg(input):  # noqa: A002
    if input._node.data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. Use logical_not().")
    return wrap(ops.negative(input._node))


def matmul(input, other):  # noqa: A002
    """Matrix product with PyTorch's rules for 1-D and batched operands."""
    a, b = promoted(input, other, broadcast=False)
    return wrap(ops.matmul(a, b))


def mm(input, mat2):  # noqa: A002
    if input.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(f"mm: expected 2-D matrices, got shapes {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2)


def bmm(input, mat2):  # noqa: A002
    if input.dim() != 3 or mat2.dim() != 3:
        raise RuntimeError(f"bmm: expected 3-D batches of matrices, got {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2)


def dot(input, other):  # noqa: A002
    return matmul(input, other)


def outer(input, vec2):  # noqa: A002
    return mul(input.reshape(-1, 1), vec2.reshape(1, -1))


def _unary(op):
    def apply(input):  # noqa: A002
        return wrap(op(float_node(input)))
    return apply


exp = _unary(ops.exp)
log = _unary(ops.log)
sqrt = _unary(ops.sqrt)
tanh = _unary(ops.tanh)
sigmoid = _unary(ops.sigmoid)
erf = _unary(ops.erf)
sin = _unary(fn.Sin.apply)
cos = _unary(fn.Cos.apply)


def _pointwise(f, df):
    def apply(input):  # noqa: A002
        return wrap(fn.Pointwise.apply(float_node(input), f=f, df=df))
    return apply


rsqrt = _pointwise(lambda x: 1 / np.sqrt(x), lambda x, y: -0.5 * y * y * y)
reciprocal = _pointwise(lambda x: 1 / x, lambda x, y: -y * y)
log1p = _pointwise(np.log1p, lambda x, y: 1 / (1 + x))
expm1 = _pointwise(np.expm1, lambda x, y: y + 1)
log2 = _pointwise(np.log2, lambda x, y: 1 / (x * np.log(2.0)))
log10 = _pointwise(np.log10, lambda x, y: 1 / (x * np.log(10.0)))
exp2 = _pointwise(np.exp2, lambda x, y: y * np.log(2.0))
tan = _pointwise(np.tan, lambda x, y: 1 + y * y)
atan = _pointwise(np.arctan, lambda x, y: 1 / (1 + x * x))
asin = _pointwise(np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x))
acos = _pointwise(np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x))
sinh = _pointwise(np.sinh, lambda x, y: np.cosh(x))
cosh = _pointwise(np.cosh, lambda x, y: np.sinh(x))


def abs(input):  # noqa: A001, A002
    if input._node.data.dtype.kind in "iub":
        return wrap_array(np.abs(input._node.data))
    return wrap(ops.abs(input._node))


absolute = abs


def square(input):  # noqa: A002
    return pow(input, 2)


def relu(input):  # noqa: A002
    return wrap(ops.relu(float_node(input)))


def _constant(op):
    """Functions whose gradient is zero almost everywhere: computed on the array."""
    def apply(input, *args, **kwargs):  # noqa: A002
        return wrap_array(np.asarray(op(input._node.data, *args, **kwargs)))
    return apply


floor = _constant(np.floor)
ceil = _constant(np.ceil)
trunc = _constant(np.trunc)
frac = None  # defined below with a gradient
sign = _constant(np.sign)
isnan = _constant(np.isnan)
isinf = _constant(np.isinf)
isfinite = _constant(np.isfinite)
logical_not = _constant(np.logical_not)
signbit = _constant(np.signbit)


def round(input, decimals=0):  # noqa: A001, A002
    return wrap_array(np.round(input._node.data, decimals))


def frac(input):  # noqa: A002, F811
    return sub(input, trunc(input))


def clamp(input, min=None, max=None):  # noqa: A001, A002
    """Values limited to [min, max]; the gradient passes where min <= x <= max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, min)
        if max is not None:
            result = minimum(result, max)
        return result
    dtype = _dtypes.result_type(input._node.data, *(v for v in (min, max) if v is not None))
    node = cast_node(input, dtype)
    low = -np.inf if min is None else min
    high = np.inf if max is None else max
    if dtype.kind in "iub":
        return wrap_array(np.clip(node.data, low, high).astype(dtype))
    return wrap(ops.clip(node, low, high))


clip = clamp


def maximum(input, other):  # noqa: A002
    a, b = promoted(input, other)
    return wrap(ops.maximum(a, b))


def minimum(input, other):  # noqa: A002
    a, b = promoted(input, other)
    return wrap(ops.minimum(a, b))


def where(condition, input=None, other=None):  # noqa: A002
    """Elements of input where condition holds, else of other; `where(c)` gives nonzero indices."""
    if input is None and other is None:
        return tuple(wrap_array(i.astype(np.int64)) for i in np.nonzero(value_of(condition)))
    a, b = promoted(input, other)
    mask = np.asarray(value_of(condition), dtype=bool)
    if not (a.requires_grad or b.requires_grad) or not is_grad_enabled():
        return wrap_array(np.where(mask, a.data, b.data))
    return wrap(ops.where(Node(mask, _copy=False), a, b))


def lerp(input, end, weight):  # noqa: A002
    return add(input, mul(sub(end, input), weight))


__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__
           and not name.startswith("_") and name not in ['cast_node', 'float_node', 'promoted', 'value_of']]
