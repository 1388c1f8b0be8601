"""Fast GELU, exact and tanh, forward and backward, in float32.

Accelerates `kernels.reference.activations.gelu` / `gelu_backward`, whose exact form sums a
40-term float64 series for erf. Two ideas:

* The normal CDF comes from erfc by Abramowitz & Stegun 7.1.26,

      erfc(z) = t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) exp(-z^2),   t = 1 / (1 + p z),  z >= 0

  (absolute error below 1.5e-7, float32's own rounding). With h = erfc(|x| / sqrt 2) / 2:
  Phi(x) = 1/2 + sign(x) (1/2 - h) and x Phi(x) = max(x, 0) - |x| h.
  The tanh GELU is written x / (1 + exp(-2u)) (= 0.5 x (1 + tanh u)), exact where 1 + tanh u
  would cancel.
* Each formula is a fixed sequence of in-place NumPy passes run block by block in the cache on
  the kernel threads (`blockwise.apply_blocks`), as in `activation_math`.

float32 arrays take these forms; other dtypes (float64 wants more than 1.5e-7) the reference.
"""

import math

import numpy as np

from strided.kernels.fast.activation_math import is_float32, result_dtype
from strided.kernels.fast.blockwise import apply_blocks
from strided.kernels.reference import activations as reference

_ERFC_P = 0.3275911
_ERFC_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_HALF_A = tuple(a / 2 for a in _ERFC_A)  # h = erfc / 2 directly
_P_OVER_SQRT2 = _ERFC_P / math.sqrt(2)  # t from |x| rather than z = |x| / sqrt 2
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_C = math.sqrt(2 / math.pi)
_TANH_K = 0.044715
_FINITE = 1e30  # |x| clipped to this where it multiplies a factor that is 0 at infinity
_EXP_LIMIT = 80.0  # exp(80) < float32's largest number


def _half_erfc_and_gauss(x, absolute, t, h, gauss):
    """h = erfc(|x| / sqrt 2) / 2 and gauss = exp(-x^2 / 2), by A&S 7.1.26."""
    np.abs(x, out=absolute)
    np.multiply(absolute, absolute, out=gauss)
    gauss *= -0.5
    np.exp(gauss, out=gauss)
    np.multiply(absolute, _P_OVER_SQRT2, out=t)
    t += 1
    np.reciprocal(t, out=t)
    np.multiply(t, _HALF_A[4], out=h)
    for coefficient in _HALF_A[3::-1]:
        h += coefficient
        h *= t
    h *= gauss


def _normal_cdf_from_half_erfc(x, h):
    """h -> Phi(x) = 1/2 + sign(x) (1/2 - h), in place."""
    np.subtract(0.5, h, out=h)
    np.copysign(h, x, out=h)
    h += 0.5


def _gelu_exact(out, x, absolute, t, h):
    """x Phi(x) = max(x, 0) - |x| h: an infinite x gives inf or 0, never inf * 0."""
    _half_erfc_and_gauss(x, absolute, t, h, out)
    np.minimum(absolute, _FINITE, out=absolute)
    h *= absolute
    np.maximum(x, 0, out=out)
    out -= h


def _gelu_exact_backward(out, dy, x, absolute, t, h):
    """dy (Phi(x) + x phi(x)), x clipped to finite values in the second term."""
    _half_erfc_and_gauss(x, absolute, t, h, out)  # out = exp(-x^2 / 2)
    _normal_cdf_from_half_erfc(x, h)
    np.clip(x, -_FINITE, _FINITE, out=t)
    out *= t
    out *= _INV_SQRT_2PI  # x phi(x)
    out += h
    out *= dy


def _gelu_tanh(out, x):
    """0.5 x (1 + tanh(u)) = x sigmoid(2u) = x / (1 + exp(-2u)): no cancellation for u << 0."""
    np.multiply(x, x, out=out)
    out *= -2 * _TANH_C * _TANH_K
    out -= 2 * _TANH_C
    out *= x  # -2u
    np.minimum(out, _EXP_LIMIT, out=out)  # exp stays finite; x / 1e34 is 0 all the same
    np.exp(out, out=out)
    out += 1
    np.divide(x, out, out=out)


def _gelu_tanh_backward(out, dy, x, square, s):
    """dy (s + 2 x s (1 - s) du/dx), s = sigmoid(2u) (= (1 + tanh u) / 2)."""
    np.multiply(x, x, out=square)
    np.multiply(square, -2 * _TANH_C * _TANH_K, out=s)
    s -= 2 * _TANH_C
    s *= x
    np.minimum(s, _EXP_LIMIT, out=s)
    np.exp(s, out=s)
    s += 1
    np.reciprocal(s, out=s)
    square *= 3 * _TANH_C * _TANH_K
    square += _TANH_C  # du/dx
    np.subtract(1, s, out=out)
    out *= s
    out *= square
    out *= x
    out *= 2
    out += s
    out *= dy


def gelu(x, approximate):
    if not is_float32(x):
        return reference.gelu(x, approximate)
    if approximate:
        return apply_blocks(_gelu_tanh, result_dtype(x), [x])
    return apply_blocks(_gelu_exact, result_dtype(x), [x], temporaries=3)


def gelu_backward(dy, x, y, approximate):
    if not is_float32(dy, x):
        return reference.gelu_backward(dy, x, y, approximate)
    if approximate:
        return apply_blocks(_gelu_tanh_backward, result_dtype(dy, x), [dy, x], temporaries=2)
    return apply_blocks(_gelu_exact_backward, result_dtype(dy, x), [dy, x], temporaries=3)
