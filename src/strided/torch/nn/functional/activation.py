"""Activation functions with PyTorch's names and arguments, over `strided.ops`' activations.

`inplace=True` is accepted: the result is written back into the input as `Tensor.relu_()`
does (in place when nothing is recorded, by re-pointing the handle while recording).
"""


from strided import ops
from strided.torch import _math
from strided.torch._tensor import wrap
from strided.torch._tensor_methods import assign
from strided.torch.nn.functional._layout import pointwise


def _result(input, node, inplace):  # noqa: A002
    result = wrap(node)
    return assign(input, result) if inplace else result


def relu(input, inplace=False):  # noqa: A002
    return _result(input, pointwise(ops.relu, _math.float_node(input)), inplace)


def relu6(input, inplace=False):  # noqa: A002
    return _result(input, pointwise(ops.relu6, _math.float_node(input)), inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    return _result(input, pointwise(lambda n: ops.leaky_relu(n, negative_slope), _math.float_node(input)), inplace)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    return _result(input, pointwise(lambda n: ops.elu(n, alpha), _math.float_node(input)), inplace)


def selu(input, inplace=False):  # noqa: A002
    return _result(input, pointwise(ops.selu, _math.float_node(input)), inplace)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    return _result(input, (elu(input / alpha) * alpha)._node, inplace)


def gelu(input, approximate="none"):  # noqa: A002
    """x * Phi(x) (exact, erf-based) or its tanh approximation with approximate="tanh"."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return wrap(pointwise(lambda n: ops.gelu(n, approximate=approximate == "tanh"), _math.float_node(input)))


def silu(input, inplace=False):  # noqa: A002
    return _result(input, pointwise(ops.silu, _math.float_node(input)), inplace)


def mish(input, inplace=False):  # noqa: A002
    return _result(input, (input * tanh(softplus(input)))._node, inplace)


def sigmoid(input):  # noqa: A002
    return wrap(pointwise(ops.sigmoid, _math.float_node(input)))


def tanh(input):  # noqa: A002
    return wrap(pointwise(ops.tanh, _math.float_node(input)))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    return _result(input, _math.clamp(input, min_val, max_val)._node, inplace)


def hardsigmoid(input, inplace=False):  # noqa: A002
    """relu6(x + 3) / 6."""
    return _result(input, (_math.clamp(input + 3, 0, 6) / 6)._node, inplace)


def hardswish(input, inplace=False):  # noqa: A002
    """x * relu6(x + 3) / 6."""
    return _result(input, (input * _math.clamp(input + 3, 0, 6) / 6)._node, inplace)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    scaled = input * beta if beta != 1 else input
    smooth = wrap(ops.softplus(_math.float_node(scaled)))
    if beta != 1:
        smooth = smooth / beta
    return _math.where(scaled > threshold, input, smooth)


def softsign(input):  # noqa: A002
    return wrap(pointwise(ops.softsign, _math.float_node(input)))


def logsigmoid(input):  # noqa: A002
    return wrap(ops.log_sigmoid(_math.float_node(input)))


def tanhshrink(input):  # noqa: A002
    return input - tanh(input)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    return _result(input, _math.where(input > threshold, input, value)._node, inplace)


def prelu(input, weight):  # noqa: A002
    """x where x >= 0, else weight * x, one weight per channel (dim 1) or one shared."""
    shape = [1] * input.dim()
    if input.dim() > 1 and weight.numel() > 1:
        shape[1] = weight.numel()
    return _math.where(input >= 0, input, weight.reshape(*shape) * input)


def glu(input, dim=-1):  # noqa: A002
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    return input.softmax(_implicit_dim(input, dim), dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    return input.log_softmax(_implicit_dim(input, dim), dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    return (-input).softmax(_implicit_dim(input, dim), dtype)


def _implicit_dim(input, dim):  # noqa: A002
    """PyTorch's legacy choice when dim is None: 0 for 0-, 1- and 3-D inputs, else 1."""
    if dim is not None:
        return dim
    return 0 if input.dim() in (0, 1, 3) else 1


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """x / max(||x||_p, eps) along dim."""
    norm = input.norm(p, dim, keepdim=True)
    return input / _math.clamp(norm, min=eps)




__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__ and not name.startswith("_")]
