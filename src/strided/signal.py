"""Convolution and correlation of plain NumPy arrays, the lessons' way: slide, multiply, sum.

    correlation:  c[k]  = sum_n a[n + k] * v[n]           (slide v over a as it is)
    convolution:  (a * v)[k] = sum_n a[n] * v[k - n]       (the same with v flipped)

so `convolve(a, v) == correlate(a, v[::-1])`: convolution is correlation with a flipped
kernel (deep-learning "convolution" layers actually correlate). Every function builds a
sliding-window *view* of the (padded) input (numpy.lib.stride_tricks.sliding_window_view, no
copy) and contracts it with the kernel in one `einsum`. Arrays in, arrays out (no Tensors):

    convolve / correlate        numpy.convolve / numpy.correlate (same modes and defaults)
    convolve2d / correlate2d    scipy.signal.convolve2d / correlate2d (modes, boundaries)

Sizes: "full" m + n - 1, "same" max(m, n) (2-D: the size of in1), "valid" max(m, n) - min(m, n) + 1.

Example (lesson 000, the sum of two dice):
    >>> die = np.full(6, 1 / 6)
    >>> print(np.round(convolve(die, die) * 36, 6))   # ways to roll 2, 3, ..., 12 (of 36)
    [1. 2. 3. 4. 5. 6. 5. 4. 3. 2. 1.]
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MODES = ("full", "same", "valid")
BOUNDARIES = {
    "fill": "constant",
    "pad": "constant",
    "wrap": "wrap",
    "circular": "wrap",
    "symm": "symmetric",
    "symmetric": "symmetric",
}


def _check_mode(op, mode):
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {MODES}. Received: mode={mode!r}")


def _vectors(op, a, v):
    a, v = np.asarray(a), np.asarray(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{op}: expects two 1-D arrays, received shapes {a.shape} and {v.shape}")
    if a.size == 0 or v.size == 0:
        raise ValueError(f"{op}: {'a' if a.size == 0 else 'v'} cannot be empty")
    return a, v


def _correlate_full(a, v):
    """c[k] = sum_n a_padded[k + n] * v[n] with n - 1 zeros on both sides of a (length m + n - 1)."""
    padded = np.pad(a, len(v) - 1)
    return np.einsum("kn,n->k", sliding_window_view(padded, len(v)), v)


def _crop_1d(full, m, n, mode, a_is_longer):
    """numpy's crops of the full result: "same" centres it (its offset depends on which is longer)."""
    short, long = min(m, n), max(m, n)
    if mode == "full":
        return full
    if mode == "valid":
        return full[short - 1 : long]
    start = (short - 1) - short // 2 if a_is_longer else short // 2
    return full[start : start + long]


def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D sequences, as numpy.correlate: c[k] = sum_n a[n + k] * conj(v[n]).

    Example:
        >>> correlate([1, 2, 3], [0, 1, 0.5])
        array([3.5])
    """
    _check_mode("correlate", mode)
    a, v = _vectors("correlate", a, v)
    full = _correlate_full(a, np.conj(v) if np.iscomplexobj(v) else v)
    return _crop_1d(full, len(a), len(v), mode, len(a) >= len(v))


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D sequences, as numpy.convolve: flip v, then correlate.

    Example (lesson 000):
        >>> convolve([1, 2, 3], [4, 5])
        array([ 4, 13, 22, 15])
    """
    _check_mode("convolve", mode)
    a, v = _vectors("convolve", a, v)
    if len(v) > len(a):  # convolution commutes; slide the shorter one
        a, v = v, a
    return _crop_1d(_correlate_full(a, v[::-1]), len(a), len(v), mode, True)


def _matrices(op, in1, in2, mode, boundary):
    _check_mode(op, mode)
    if boundary not in BOUNDARIES:
        raise ValueError(
            f"{op}: boundary must be one of {tuple(BOUNDARIES)}. Received: boundary={boundary!r}"
        )
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if in1.ndim != 2 or in2.ndim != 2:
        raise ValueError(
            f"{op}: expects two 2-D arrays, received shapes {in1.shape} and {in2.shape}"
        )
    if in1.size == 0 or in2.size == 0:
        raise ValueError(
            f"{op}: inputs cannot be empty, received shapes {in1.shape} and {in2.shape}"
        )
    swap = False
    if mode == "valid" and not all(s1 >= s2 for s1, s2 in zip(in1.shape, in2.shape)):
        if not all(s2 >= s1 for s1, s2 in zip(in1.shape, in2.shape)):
            raise ValueError(
                f"{op}: for 'valid' mode one input must be at least as large as the other in every "
                f"dimension. Received shapes {in1.shape} and {in2.shape}"
            )
        in1, in2, swap = in2, in1, True  # as scipy: valid of the larger with the smaller
    return in1, in2, swap


def _correlate2d(image, kernel, mode, boundary, fillvalue, same_start):
    """out[i, j] = sum_{a, b} image_padded[i + a, j + b] * kernel[a, b], then cropped to `mode`."""
    kh, kw = kernel.shape
    if mode != "valid":  # pad by kernel - 1 on every side: the "full" result
        pads = ((kh - 1, kh - 1), (kw - 1, kw - 1))
        mode_np = BOUNDARIES[boundary]
        extra = {"constant_values": fillvalue} if mode_np == "constant" else {}
        image = np.pad(image, pads, mode=mode_np, **extra)
    windows = sliding_window_view(image, (kh, kw))
    out = np.einsum("ijab,ab->ij", windows, kernel)
    if mode == "same":
        h, w = image.shape[0] - 2 * (kh - 1), image.shape[1] - 2 * (kw - 1)
        out = out[same_start[0] : same_start[0] + h, same_start[1] : same_start[1] + w]
    return out


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """2-D convolution, as scipy.signal.convolve2d: flip in2 in both axes, slide, multiply, sum.

    Args:
        mode: "full" (every overlap), "same" (the size of in1, centred), "valid" (no padding).
        boundary: how in1 is extended: "fill" (with `fillvalue`), "wrap" (periodic), "symm" (mirrored).

    Example (lesson 000):
        >>> convolve2d([[1, 2, 1], [0, 1, 0], [2, 1, 3]], [[1, 0], [-1, 1]], mode="valid")
        array([[0, 1],
               [0, 4]])
    """
    in1, in2, _ = _matrices("convolve2d", in1, in2, mode, boundary)
    kh, kw = in2.shape
    return _correlate2d(
        in1, in2[::-1, ::-1], mode, boundary, fillvalue, ((kh - 1) // 2, (kw - 1) // 2)
    )


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """2-D cross-correlation, as scipy.signal.correlate2d: slide in2 (unflipped, conjugated) over in1.

    Example (lesson 000):
        >>> correlate2d([[1, 2, 1], [0, 1, 0], [2, 1, 3]], [[1, 0], [-1, 1]], mode="valid")
        array([[ 2,  1],
               [-1,  3]])
    """
    in1, in2, swap = _matrices("correlate2d", in1, in2, mode, boundary)
    kh, kw = in2.shape
    kernel = np.conj(in2) if np.iscomplexobj(in2) else in2
    out = _correlate2d(in1, kernel, mode, boundary, fillvalue, (kh // 2, kw // 2))
    return out[::-1, ::-1] if swap else out


def gaussian_kernel1d(size, sigma):
    """exp(-(i - (size-1)/2)^2 / (2 sigma^2)) for i = 0..size-1, normalised to sum 1.

    Lesson 003's `gaussian_kernel` is gaussian_kernel1d(5, 2).
    """
    if size < 1 or sigma <= 0:
        raise ValueError(
            f"gaussian_kernel1d: need size >= 1 and sigma > 0. Received: size={size}, sigma={sigma}"
        )
    offsets = np.arange(size) - (size - 1) / 2
    kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def gaussian_kernel2d(size, sigma):
    """The 2-D Gaussian (lesson 003's generate_2d_gaussian_kernel), normalised to sum 1.

    Separable: the outer product of two 1-D Gaussians. `size` is an int or (height, width).
    """
    height, width = (size, size) if np.isscalar(size) else size
    return np.outer(gaussian_kernel1d(height, sigma), gaussian_kernel1d(width, sigma))


def _constant(rows):
    array = np.array(rows)
    array.setflags(write=False)
    return array


# Named kernels of the lessons (read-only; copy before editing).
CANNY_EDGE_1D = _constant([-1, -1, 0, 1, 1])  # lesson 003: 1-D "Canny" edge kernel (simplified)
DIAGONAL_CONTRAST = _constant([[1, 0], [-1, 1]])  # lesson 000: bright TL/BR, dark BL
DIAGONAL = _constant([[1, 0], [0, 1]])  # lesson 000: top-left to bottom-right diagonal
ANTI_DIAGONAL = _constant([[0, 1], [1, 0]])  # lesson 000: top-right to bottom-left diagonal
BLOCK = _constant([[1, 1], [1, 1]])  # lesson 000: uniform 2x2 bright block
HORIZONTAL_EDGE = _constant(
    [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]
)  # lesson 001: dark above, bright below
VERTICAL_EDGE = _constant(
    [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]
)  # its transpose: dark left, bright right

__all__ = [
    "ANTI_DIAGONAL",
    "BLOCK",
    "CANNY_EDGE_1D",
    "DIAGONAL",
    "DIAGONAL_CONTRAST",
    "HORIZONTAL_EDGE",
    "VERTICAL_EDGE",
    "convolve",
    "convolve2d",
    "correlate",
    "correlate2d",
    "gaussian_kernel1d",
    "gaussian_kernel2d",
]
