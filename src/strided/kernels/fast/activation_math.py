"""Fast sigmoid, SiLU (swish), softplus, log-sigmoid, ELU, SELU and leaky ReLU (GELU: `gelu`).

Accelerates `kernels.reference.activations` (the same names and signatures). The idea: each
formula is a short fixed sequence of in-place NumPy passes (`out=`), run block by block in the
cache on the kernel threads (`blockwise.apply_blocks`): no temporary as large as the array,
and the input's memory layout kept (a channels-first tensor is not transposed). Sigmoid is
exp(min(x, 0)) / (1 + exp(-|x|)), exact in both tails and never overflowing.

float32 arrays take these forms; other dtypes take the reference ones (float64 results stay
those of the reference).
"""

import numpy as np

from strided.kernels.fast.blockwise import apply_blocks
from strided.kernels.reference import activations as reference
from strided.kernels.reference.activations import SELU_ALPHA, SELU_SCALE


def is_float32(*arrays):
    """True when the arrays' common dtype is float32: the blockwise forms' precision."""
    return np.result_type(*arrays) == np.float32


def result_dtype(*arrays):
    return np.result_type(*arrays)


# -- building blocks, each on flat blocks (in-place passes) ------------------------------


def _sigmoid_into(out, x, scratch):
    """out = exp(min(x, 0)) / (1 + exp(-|x|)): never overflows, exact in both tails."""
    np.abs(x, out=scratch)
    np.negative(scratch, out=scratch)
    np.exp(scratch, out=scratch)
    scratch += 1
    np.minimum(x, 0, out=out)
    np.exp(out, out=out)
    out /= scratch


# -- sigmoid, SiLU, softplus, log-sigmoid --------------------------------------------------


def sigmoid(x):
    if not is_float32(x):
        return reference.sigmoid(x)
    return apply_blocks(_sigmoid_into, result_dtype(x), [x], temporaries=1)


def _sigmoid_backward(out, dy, y):
    np.subtract(1, y, out=out)
    out *= y
    out *= dy


def sigmoid_backward(dy, x, y):
    if not is_float32(dy, y):
        return reference.sigmoid_backward(dy, x, y)
    return apply_blocks(_sigmoid_backward, result_dtype(dy, y), [dy, y])


def _silu(out, x, scratch):
    _sigmoid_into(out, x, scratch)
    out *= x


def _silu_backward(out, dy, x, s):
    _sigmoid_into(s, x, out)
    np.subtract(1, s, out=out)
    out *= x
    out += 1
    out *= s
    out *= dy


def silu(x):
    if not is_float32(x):
        return reference.silu(x)
    return apply_blocks(_silu, result_dtype(x), [x], temporaries=1)


def silu_backward(dy, x, y):
    if not is_float32(dy, x):
        return reference.silu_backward(dy, x, y)
    return apply_blocks(_silu_backward, result_dtype(dy, x), [dy, x], temporaries=1)


def _log1p_exp_minus_abs(out, x):
    """out = log1p(exp(-|x|))."""
    np.abs(x, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)


def _softplus(out, x, scratch):
    _log1p_exp_minus_abs(scratch, x)
    np.maximum(x, 0, out=out)
    out += scratch


def _log_sigmoid(out, x, scratch):
    _log1p_exp_minus_abs(scratch, x)
    np.minimum(x, 0, out=out)
    out -= scratch


def _times_sigmoid(out, dy, x, scratch):
    _sigmoid_into(out, x, scratch)
    out *= dy


def _times_sigmoid_of_minus(out, dy, x, scratch):
    np.negative(x, out=out)
    _sigmoid_into(out, out, scratch)
    out *= dy


def softplus(x):
    if not is_float32(x):
        return reference.softplus(x)
    return apply_blocks(_softplus, result_dtype(x), [x], temporaries=1)


def softplus_backward(dy, x, y):
    if not is_float32(dy, x):
        return reference.softplus_backward(dy, x, y)
    return apply_blocks(_times_sigmoid, result_dtype(dy, x), [dy, x], temporaries=1)


def log_sigmoid(x):
    if not is_float32(x):
        return reference.log_sigmoid(x)
    return apply_blocks(_log_sigmoid, result_dtype(x), [x], temporaries=1)


def log_sigmoid_backward(dy, x, y):
    if not is_float32(dy, x):
        return reference.log_sigmoid_backward(dy, x, y)
    return apply_blocks(_times_sigmoid_of_minus, result_dtype(dy, x), [dy, x], temporaries=1)


# -- ELU and SELU: max(x, 0) + alpha expm1(min(x, 0)), the two parts never both non-zero ----


def _elu_into(out, x, scratch, alpha):
    np.minimum(x, 0, out=scratch)
    np.expm1(scratch, out=scratch)
    scratch *= alpha
    np.maximum(x, 0, out=out)
    out += scratch


def _elu_backward_into(out, dy, x, y, positive, slope, negative_offset):
    """dy * (slope where x > 0, else y + negative_offset)."""
    np.greater(x, 0, out=positive)
    np.add(y, negative_offset, out=out)
    np.copyto(out, slope, where=positive)
    out *= dy


def elu(x, alpha):
    if not is_float32(x):
        return reference.elu(x, alpha)
    return apply_blocks(lambda out, x, s: _elu_into(out, x, s, alpha), result_dtype(x), [x], temporaries=1)


def elu_backward(dy, x, y, alpha):
    if not is_float32(dy, x, y):
        return reference.elu_backward(dy, x, y, alpha)
    return _masked_backward(dy, x, y, 1.0, alpha)


def selu(x):
    if not is_float32(x):
        return reference.selu(x)

    def formula(out, x, scratch):
        _elu_into(out, x, scratch, SELU_ALPHA)
        out *= SELU_SCALE

    return apply_blocks(formula, result_dtype(x), [x], temporaries=1)


def selu_backward(dy, x, y):
    if not is_float32(dy, x, y):
        return reference.selu_backward(dy, x, y)
    return _masked_backward(dy, x, y, SELU_SCALE, SELU_SCALE * SELU_ALPHA)


def _masked_backward(dy, x, y, slope, negative_offset):
    """ELU's and SELU's derivative times dy; the mask x > 0 in a block-sized boolean buffer."""
    def formula(out, dy, x, y, mask_bytes):
        positive = mask_bytes.view(np.bool_)[: out.size]
        _elu_backward_into(out, dy, x, y, positive, slope, negative_offset)

    return apply_blocks(formula, result_dtype(dy, x, y), [dy, x, y], temporaries=1)


# -- leaky ReLU: max(x, slope x) for slope <= 1 (min for slope > 1), no mask -----------------


def leaky_relu(x, slope):
    if not is_float32(x):
        return reference.leaky_relu(x, slope)
    keep = np.maximum if slope <= 1 else np.minimum

    def formula(out, x):
        np.multiply(x, slope, out=out)
        keep(out, x, out=out)

    return apply_blocks(formula, result_dtype(x), [x])


def leaky_relu_backward(dy, x, y, slope):
    if not is_float32(dy, x):
        return reference.leaky_relu_backward(dy, x, y, slope)

    def formula(out, dy, x, mask_bytes):
        positive = mask_bytes.view(np.bool_)[: out.size]
        np.greater(x, 0, out=positive)
        np.multiply(dy, slope, out=out)
        np.copyto(out, dy, where=positive)

    return apply_blocks(formula, result_dtype(dy, x), [dy, x], temporaries=1)
